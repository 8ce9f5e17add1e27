"""The local chat: the bot's conversation in a terminal (bot/conversation.py, the same as on Telegram).

This module only reads lines and prints replies: buttons are shown as numbers, and typing the number presses
the button. Commands are the bot's own (`/start`, `/check` ...); `/quit` ends the chat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bot.conversation import Conversation, Incoming, Person, Turn
from bot.models import Button, Reply
from bot.text.markup import to_plain

# Alerts need a Telegram chat to arrive in: here /subscribe and /unsubscribe are unknown commands.
COMMANDS = ("/start", "/help", "/check", "/hotline", "/signs", "/language", "/privacy", "/forget")
QUIT = ("/quit", "/exit", "/q")


def run_chat(conversation: Conversation, lines: Iterable[str], say: Callable[[str], None],
             ref: str | None = None) -> None:
    """Answer each line of `lines` until end of input; `say` prints. `ref`: the store's key for this person."""
    person = Person(ref)
    buttons: list[Button] = []
    person = show(conversation.step(person, Incoming("command", command="start")), say, buttons)
    say("(Type a question, paste an offer, a command " + " ".join(COMMANDS)
        + ", or a button number. /quit or Ctrl-D quits.)")
    for raw in lines:
        text = raw.strip()
        if not text:
            continue
        incoming = read_line(text, buttons)
        if incoming is None:
            return
        person = show(conversation.step(person, incoming), say, buttons)


def read_line(text: str, buttons: list[Button]) -> Incoming | None:
    """What a typed line means; None to quit."""
    name, _, rest = text.partition(" ")
    if name.lower() in QUIT:
        return None
    if text.isdigit() and 1 <= int(text) <= len(buttons):
        return Incoming("button", action=buttons[int(text) - 1].action)
    if name.startswith("/") and len(name) > 1 and name[1:].isascii() and name[1:].isalpha():
        # Every command goes to the conversation, which names those it does not know (or, like /subscribe,
        # cannot do here) rather than reading them as a question.
        return Incoming("command", command=name[1:].lower(), text=rest.strip())
    return Incoming("text", text=text)


def show(turn: Turn, say: Callable[[str], None], buttons: list[Button]) -> Person:
    if turn.notice:
        say(turn.notice)
    for reply in turn.replies:
        render(reply, say, buttons)
    return turn.person


def render(reply: Reply, say: Callable[[str], None], buttons: list[Button]) -> None:
    say("")
    say(to_plain(reply.text))
    buttons.clear()
    buttons.extend(button for row in reply.buttons for button in row)
    for number, button in enumerate(buttons, 1):
        say(f"  [{number}] {button.label}")
