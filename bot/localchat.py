"""The local chat: the bot's conversation in a terminal, through the same engine calls as Telegram.

Buttons are shown as numbers; typing the number presses the button.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.engine import Engine
from bot.models import Button, Reply
from bot.text.markup import to_plain

COMMANDS = ("/start", "/help", "/hotline", "/signs", "/language", "/privacy", "/check")
QUIT = ("/quit", "/exit", "/q")


def run_chat(engine: Engine, lines: Iterable[str], say: Callable[[str], None], lang: str = "en",
             retention_days: int = 90) -> None:
    """Answer each line of `lines` until end of input; `say` prints."""
    buttons: list[Button] = []
    show(engine.welcome_reply(lang), say, buttons)
    say("(Type a question, paste an offer, a command " + " ".join(COMMANDS)
        + ", or a button number. /quit or Ctrl-D quits.)")
    checking = False  # after "check an offer" the next text is read as an offer, as in Telegram
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        name, _, rest = text.partition(" ")
        if name.lower() in QUIT:
            return
        if text.isdigit() and 1 <= int(text) <= len(buttons):
            button = buttons[int(text) - 1]
            checking = button.action == "check"
            reply = press(engine, button, lang)
        elif name == "/check" and rest.strip():
            reply = engine.check_reply(rest, lang)
        elif name in COMMANDS:
            checking = name == "/check"
            if checking:
                reply = Reply(engine.text("check_prompt", lang), lang, "info")
            else:
                reply = command(engine, name, lang, retention_days)
        elif name.startswith("/") and len(name) > 1 and name[1:].isascii() and name[1:].isalpha():
            # A command the local chat does not have (/forget, /stats ...): say so, as the bot does,
            # rather than reading it as a question.
            reply = Reply(engine.text("unknown_command", lang), lang, "info")
        elif checking:
            checking = False
            reply = engine.check_reply(text, lang)
        else:
            reply = engine.respond(text, lang)
        lang = reply.lang
        show(reply, say, buttons)


def command(engine: Engine, name: str, lang: str, retention_days: int = 90) -> Reply:
    if name == "/hotline":
        return engine.hotline_reply(lang)
    if name == "/signs":
        return engine.signs_reply(lang)
    if name == "/language":
        return engine.language_reply(lang)
    if name == "/privacy":
        return Reply(engine.text("privacy", lang, days=retention_days), lang, "info")
    if name == "/help":
        return Reply(engine.text("help", lang), lang, "info")
    return engine.welcome_reply(lang)


def press(engine: Engine, button: Button, lang: str) -> Reply:
    kind, _, value = button.action.partition(":")
    if kind == "topic" and value in engine.content.topics:
        return engine.topic_reply(value, lang)
    if kind == "lang" and value in engine.languages:
        return Reply(engine.text("language_set", value), value, "info")
    if kind == "country":
        return engine.hotline_reply(lang, value)
    if kind == "none":
        return engine.fallback_reply(lang)
    if kind == "ask":
        return Reply(engine.text("ask_prompt", lang), lang, "info")
    if kind == "check":
        return Reply(engine.text("check_prompt", lang), lang, "info")
    return command(engine, "/" + kind, lang)


def show(reply: Reply, say: Callable[[str], None], buttons: list[Button]) -> None:
    say("")
    say(to_plain(reply.text))
    buttons.clear()
    buttons.extend(button for row in reply.buttons for button in row)
    for number, button in enumerate(buttons, 1):
        say(f"  [{number}] {button.label}")
