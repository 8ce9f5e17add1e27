"""Telegram updates -> engine calls -> replies. No decisions about content are made here.

Privacy rules this module keeps: message text never goes to the database (the review queue scrubs it)
or to the logs; the last question is kept in memory (`context.user_data`) only so that "none of these"
can queue it; users are known to the state only by their keyed hash (`ref`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram import (
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    Update,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import ContextTypes

from bot.config import Config
from bot.engine import Engine
from bot.models import LANGUAGES, Button, Reply
from bot.ngo.links import parse_start_payload
from bot.state.store import State
from bot.telegram import callbacks
from bot.telegram.flood import FloodControl, Verdict
from bot.telegram.send import Blocked, retry_seconds, send_html, split_html, with_retries
from bot.text.markup import escape

log = logging.getLogger(__name__)

MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER = 200
COUNTRY_BUTTONS_PER_ROW = 3

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Awaitable[None]]


@dataclass
class Services:
    """What every handler needs; one per Application, in bot_data["services"]."""

    config: Config
    engine: Engine
    state: State
    flood: FloodControl = field(default_factory=FloodControl)
    username: str = ""
    tasks: set[asyncio.Task] = field(default_factory=set)  # background tasks, referenced until done

    def background(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        """Run a task beside the handlers (alert delivery, retention); cancelled when the bot stops."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def services(context: Context) -> Services:
    return context.bot_data["services"]


# -- who is asking, in which language ------------------------------------------------------------

def telegram_lang(code: str | None) -> str | None:
    """Our language for Telegram's language_code (an IETF tag such as "ar", "fr-FR", "ckb")."""
    if not code:
        return None
    primary = code.lower().replace("_", "-").split("-")[0]
    if primary in LANGUAGES:
        return primary
    # "ku" is Kurdish without a script; Iraqi Kurds whose app says only "ku" are better served by our
    # Sorani (ckb) than by English.
    return "ckb" if primary == "ku" else None


def profile(context: Context, user: User) -> dict[str, Any]:
    """The user's stored preferences, read once per process and cached in memory."""
    cached = context.user_data.get("profile") if context.user_data is not None else None
    if cached is None:
        state = services(context).state
        ref = state.user_ref(user.id)
        row = state.get_user(ref) or {}
        cached = {"ref": ref, "lang": row.get("lang"), "country": row.get("country"), "source": row.get("source")}
        if context.user_data is not None:
            context.user_data["profile"] = cached
    return cached


def ui_lang(context: Context, user: User) -> str:
    """The language for commands and buttons: the last language the user wrote in, else the one they
    chose, else their app's, else English."""
    data = context.user_data or {}
    prof = profile(context, user)
    return data.get("last_lang") or prof["lang"] or telegram_lang(user.language_code) or "en"


def preferred_lang(context: Context, user: User) -> str | None:
    """The hint given to the engine for free text (the engine prefers the text's own language)."""
    prof = profile(context, user)
    return prof["lang"] or telegram_lang(user.language_code) or (context.user_data or {}).get("last_lang")


def is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is None or chat.type == ChatType.PRIVATE


# -- the guard every handler goes through ----------------------------------------------------------

def guarded(handler: Handler) -> Handler:
    """Flood control first; a blocked user is unsubscribed; no exception escapes without a log line."""

    @functools.wraps(handler)
    async def inner(update: Update, context: Context) -> None:
        user = update.effective_user
        if user is None or user.is_bot:
            return
        svc = services(context)
        prof = profile(context, user)
        verdict = svc.flood.check(prof["ref"])
        if verdict is not Verdict.OK:
            if verdict is Verdict.WARN:
                await _slow_down(update, context)
            return
        try:
            await handler(update, context)
        except Blocked:
            svc.state.unsubscribe(prof["ref"])
            log.info("a user blocked the bot: unsubscribed them")
        except Exception as error:  # the bot must keep answering others
            log_exception(f"{handler.__name__} failed", error)
            await _apologise(update, context)

    return inner


async def _slow_down(update: Update, context: Context) -> None:
    user = update.effective_user
    text = services(context).engine.text("flood_slow_down", ui_lang(context, user))
    try:
        if update.callback_query:
            await update.callback_query.answer(text[:MAX_CALLBACK_ANSWER])
        elif update.effective_message and is_private(update):
            await send_html(context.bot, update.effective_message.chat_id, escape_plain(text))
    except Exception as error:
        log_exception("flood notice failed", error)


async def _apologise(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None or update.inline_query:
        return
    try:
        text = services(context).engine.text("error_generic", ui_lang(context, update.effective_user))
        await send_html(context.bot, message.chat_id, text)
    except Exception as error:
        log_exception("apology failed", error)


def log_exception(what: str, error: BaseException) -> None:
    """The exception's type and where it happened, not its message (which could quote user text)."""
    frames = "".join(traceback.format_tb(error.__traceback__)[-4:])
    log.error("%s: %s\n%s", what, type(error).__name__, frames.rstrip())


def escape_plain(text: str) -> str:
    """Interface strings are HTML already; kept as a named step for the rare plain one."""
    return text


# -- sending replies and recording what happened ---------------------------------------------------

async def reply_to(update: Update, context: Context, reply: Reply | str, buttons=()) -> None:
    message = update.effective_message
    assert message is not None
    text, rows = (reply.text, reply.buttons) if isinstance(reply, Reply) else (reply, buttons)
    quote = None if is_private(update) else message.message_id
    await send_html(context.bot, message.chat_id, text, rows, reply_to=quote)


def record(context: Context, user: User, reply: Reply, question: str | None) -> None:
    """Statistics (counts only) and the review queue (scrubbed) for one reply."""
    svc = services(context)
    prof = profile(context, user)
    if context.user_data is not None:
        context.user_data["last_lang"] = reply.lang
    if reply.kind == "check":
        svc.state.record_check(prof["ref"], reply.lang, reply.risk or "low", reply.signs)
        return
    answered = reply.kind in ("answer", "urgent")
    svc.state.record_question(prof["ref"], reply.lang, topic=reply.topic, answered=answered, source=prof["source"])
    if reply.kind == "choices" and question and context.user_data is not None:
        context.user_data["last_question"] = (question, reply.lang)  # memory only, for "none of these"
    elif reply.kind == "fallback" and question:
        svc.state.queue_unanswered(question, reply.lang)


async def respond_to_text(update: Update, context: Context, text: str, forwarded: bool) -> None:
    svc = services(context)
    user = update.effective_user
    prof = profile(context, user)
    reply = svc.engine.respond(text, preferred_lang(context, user), prof["country"], forwarded=forwarded)
    record(context, user, reply, text)
    await reply_to(update, context, reply)


# -- messages --------------------------------------------------------------------------------------

def message_text(message: Message) -> str:
    return message.text or message.caption or ""


def entity_texts(message: Message, types: tuple[str, ...]) -> list[tuple[MessageEntity, str]]:
    """The message text's entities of these types, each with its text. Telegram counts offsets in UTF-16
    code units; python-telegram-bot's parse_entities raises on an entity that splits a character (only a
    forged update has one), so they are cut here and a split character becomes U+FFFD."""
    encoded = (message.text or "").encode("utf-16-le", "surrogatepass")
    return [(entity, encoded[2 * entity.offset:2 * (entity.offset + entity.length)].decode("utf-16-le", "replace"))
            for entity in message.entities if entity.type in types]


def addressed_to_bot(message: Message, username: str, bot_id: int) -> str | None:
    """In a group: the text with our @mention removed if the message mentions us or replies to us."""
    text = message_text(message)
    mention = f"@{username}".lower()
    for entity, value in entity_texts(message, (MessageEntity.MENTION, MessageEntity.TEXT_MENTION)):
        if (entity.type == MessageEntity.MENTION and value.lower() == mention) or (
                entity.type == MessageEntity.TEXT_MENTION and entity.user and entity.user.id == bot_id):
            return text.replace(value, " ").strip()
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return text
    return None


@guarded
async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    text = message_text(message)
    if not is_private(update):
        svc = services(context)
        text = addressed_to_bot(message, svc.username or context.bot.username, context.bot.id)
        if text is None:
            return
        if not text:
            await reply_to(update, context, svc.engine.welcome_reply(ui_lang(context, update.effective_user)))
            return
    forwarded = message.forward_origin is not None
    awaiting_check = bool(context.user_data and context.user_data.pop("awaiting_check", False))
    await respond_to_text(update, context, text, forwarded or awaiting_check)


async def on_group_text(update: Update, context: Context) -> None:
    """Plain group chatter: cheap check for our mention before any flood accounting."""
    message = update.effective_message
    if message and addressed_to_bot(message, services(context).username or context.bot.username,
                                     context.bot.id) is not None:
        await on_text(update, context)


@guarded
async def on_media(update: Update, context: Context) -> None:
    message = update.effective_message
    if message.caption:  # a forwarded screenshot often carries the offer's text as its caption
        await respond_to_text(update, context, message.caption, forwarded=message.forward_origin is not None)
        return
    await reply_to(update, context, services(context).engine.text("media_unsupported",
                                                                  ui_lang(context, update.effective_user)))


# -- commands --------------------------------------------------------------------------------------

def command_argument(message: Message) -> str:
    """The text after the /command (newlines kept, unlike context.args)."""
    text = message.text or ""
    for entity, command in entity_texts(message, (MessageEntity.BOT_COMMAND,)):
        if entity.offset == 0:
            return text[len(command):].strip()
    return text.partition(" ")[2].strip()


@guarded
async def cmd_start(update: Update, context: Context) -> None:
    svc = services(context)
    user = update.effective_user
    prof = profile(context, user)
    # The whole argument, not context.args[0]: "src-a b" is malformed, not the source "src-a".
    payload = command_argument(update.effective_message) or None
    source, link_lang = parse_start_payload(payload)  # malformed: (None, None); never echoed
    # The link's language, else the language of what they last wrote, else the one they chose, else
    # their app's: the same order as every other command (ui_lang), so /start never switches language.
    lang = link_lang or ui_lang(context, user)
    svc.state.set_user(prof["ref"], lang=link_lang, source=source)
    if link_lang:
        prof["lang"] = link_lang
    if source:
        prof["source"] = source
    if context.user_data is not None:
        context.user_data["last_lang"] = lang
    await reply_to(update, context, svc.engine.welcome_reply(lang))


@guarded
async def cmd_help(update: Update, context: Context) -> None:
    await reply_to(update, context, services(context).engine.text("help", ui_lang(context, update.effective_user)))


@guarded
async def cmd_check(update: Update, context: Context) -> None:
    message = update.effective_message
    text = command_argument(message)
    if not text and message.reply_to_message:
        text = message_text(message.reply_to_message)
    if not text:
        await reply_to(update, context, services(context).engine.text("check_needs_text",
                                                                      ui_lang(context, update.effective_user)))
        return
    # respond(forwarded=True), not check_reply: the urgent path still comes first.
    await respond_to_text(update, context, text, forwarded=True)


@guarded
async def cmd_hotline(update: Update, context: Context) -> None:
    await show_hotlines(update, context)


async def show_hotlines(update: Update, context: Context) -> None:
    svc = services(context)
    user = update.effective_user
    prof = profile(context, user)
    lang = ui_lang(context, user)
    countries = svc.engine.countries()
    asked = bool(context.user_data and context.user_data.get("asked_country"))
    if prof["country"] or asked or not countries:
        await reply_to(update, context, svc.engine.hotline_reply(lang, prof["country"]))
        return
    if context.user_data is not None:
        context.user_data["asked_country"] = True  # ask once; afterwards show every contact
    labels = [Button(f"{flag(code)} {code}", f"country:{code}") for code in countries]
    rows = [tuple(labels[i:i + COUNTRY_BUTTONS_PER_ROW]) for i in range(0, len(labels), COUNTRY_BUTTONS_PER_ROW)]
    rows.append((Button(svc.engine.text("country_other", lang), "country:other"),))
    await reply_to(update, context, svc.engine.text("hotline_ask_country", lang), rows)


def flag(code: str) -> str:
    """The flag emoji of a two-letter country code (regional indicator symbols): needs no translation."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper() if "A" <= c <= "Z")


@guarded
async def cmd_signs(update: Update, context: Context) -> None:
    await reply_to(update, context, services(context).engine.signs_reply(ui_lang(context, update.effective_user)))


@guarded
async def cmd_language(update: Update, context: Context) -> None:
    await reply_to(update, context, services(context).engine.language_reply(ui_lang(context, update.effective_user)))


@guarded
async def cmd_privacy(update: Update, context: Context) -> None:
    svc = services(context)
    text = svc.engine.text("privacy", ui_lang(context, update.effective_user), days=svc.config.retention_days)
    await reply_to(update, context, text)


@guarded
async def cmd_forget(update: Update, context: Context) -> None:
    svc = services(context)
    user = update.effective_user
    lang = ui_lang(context, user)
    deleted = svc.state.forget(profile(context, user)["ref"])
    if context.user_data is not None:
        context.user_data.clear()  # the in-memory copy goes too
    if deleted:
        items = ", ".join(f"{escape(kind)}: {count}" for kind, count in sorted(deleted.items()))
        await reply_to(update, context, svc.engine.text("forget_done", lang, items=items))
    else:
        await reply_to(update, context, svc.engine.text("forget_nothing", lang))


@guarded
async def cmd_subscribe(update: Update, context: Context) -> None:
    svc = services(context)
    user = update.effective_user
    lang = ui_lang(context, user)
    svc.state.subscribe(profile(context, user)["ref"], update.effective_chat.id, lang)
    await reply_to(update, context, svc.engine.text("subscribe_done", lang))


@guarded
async def cmd_unsubscribe(update: Update, context: Context) -> None:
    svc = services(context)
    user = update.effective_user
    svc.state.unsubscribe(profile(context, user)["ref"])
    await reply_to(update, context, svc.engine.text("unsubscribe_done", ui_lang(context, user)))


@guarded
async def cmd_unknown(update: Update, context: Context) -> None:
    message = update.effective_message
    if not is_private(update):
        # In a group, "/foo" may be meant for another bot: answer only when addressed to us.
        command = (message.text or "").split()[0] if message.text else ""
        if "@" not in command or command.split("@", 1)[1].lower() != context.bot.username.lower():
            return
    await unknown_command(update, context)


async def unknown_command(update: Update, context: Context) -> None:
    await reply_to(update, context, services(context).engine.text("unknown_command",
                                                                  ui_lang(context, update.effective_user)))


# -- buttons ----------------------------------------------------------------------------------------

@guarded
async def on_callback(update: Update, context: Context) -> None:
    query = update.callback_query
    svc = services(context)
    user = update.effective_user
    action = callbacks.decode(query.data)
    if action is None or not _still_valid(action, svc.engine):
        await with_retries(lambda: query.answer(svc.engine.text("stale_button", ui_lang(context, user))
                                                [:MAX_CALLBACK_ANSWER]), "answerCallbackQuery")
        return
    await with_retries(query.answer, "answerCallbackQuery")  # stops the spinner at once
    await perform(update, context, action)


def _still_valid(action: str, engine: Engine) -> bool:
    """A well-formed button may still name a topic or language that no longer exists (content reloaded)."""
    kind, _, arg = action.partition(":")
    if kind == "topic":
        return arg in engine.topic_ids
    if kind == "lang":
        return arg in engine.languages
    if kind == "country":
        return arg == callbacks.OTHER_COUNTRY or arg in engine.countries()
    return True


async def perform(update: Update, context: Context, action: str) -> None:
    svc = services(context)
    user = update.effective_user
    prof = profile(context, user)
    lang = ui_lang(context, user)
    kind, _, arg = action.partition(":")
    engine = svc.engine
    if kind == "topic":
        reply = engine.topic_reply(arg, lang)
        record(context, user, reply, None)
        await reply_to(update, context, reply)
    elif kind == "hotline":
        await show_hotlines(update, context)
    elif kind == "check":
        if context.user_data is not None:
            context.user_data["awaiting_check"] = True  # the next text is an offer to check
        await reply_to(update, context, engine.text("check_prompt", lang))
    elif kind == "ask":
        await reply_to(update, context, engine.text("ask_prompt", lang))
    elif kind == "signs":
        await reply_to(update, context, engine.signs_reply(lang))
    elif kind == "language":
        await reply_to(update, context, engine.language_reply(lang))
    elif kind == "lang":
        svc.state.set_user(prof["ref"], lang=arg)
        prof["lang"] = arg
        if context.user_data is not None:
            context.user_data["last_lang"] = arg
        await reply_to(update, context, engine.text("language_set", arg))
    elif kind == "country":
        svc.state.set_user(prof["ref"], country=arg)
        prof["country"] = arg
        await reply_to(update, context, engine.hotline_reply(lang, arg))
    elif kind == "none":
        last = context.user_data.pop("last_question", None) if context.user_data is not None else None
        if last:
            svc.state.queue_unanswered(last[0], last[1])  # scrubbed by the state before storing
            lang = last[1]
        fallback = engine.fallback_reply(lang, prof["country"])
        await reply_to(update, context, engine.text("none_of_these", lang).strip() + "\n\n" + fallback.text,
                       fallback.buttons)


# -- inline mode ------------------------------------------------------------------------------------

@guarded
async def on_inline(update: Update, context: Context) -> None:
    query = update.inline_query
    svc = services(context)
    lang = preferred_lang(context, update.effective_user)
    cards = svc.engine.inline_cards(query.query[:256], lang)[:MAX_INLINE_RESULTS]
    results = []
    for card in cards:
        parts = split_html(card.text)
        if not parts:
            continue
        results.append(InlineQueryResultArticle(
            id=inline_id(card.id), title=card.title[:256] or "…", description=card.description[:256],
            input_message_content=InputTextMessageContent(
                parts[0], parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)),
        ))
    await with_retries(lambda: query.answer(results, cache_time=300, is_personal=True), "answerInlineQuery")


def inline_id(card_id: str) -> str:
    """Result ids must be 1-64 bytes; long ones are shortened with a hash to stay unique."""
    if 0 < len(card_id.encode("utf-8")) <= 64:
        return card_id
    import hashlib

    return hashlib.sha256(card_id.encode("utf-8")).hexdigest()[:64]


# A Bot API call failing this way says nothing about our code: the server or the network hiccuped, or
# Telegram asked us to slow down. Without an update attached, it was the update fetch (getUpdates), which
# is simply repeated, so nothing is lost.
TRANSIENT_ERRORS = (NetworkError, RetryAfter)  # TimedOut is a NetworkError...
NOT_TRANSIENT = (BadRequest,)  # ...and so, in PTB, is BadRequest, which retrying never cures
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)
_TOKEN_SHAPED = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")
MAX_REASON_CHARS = 120


def is_transient_fetch_error(update: object, error: BaseException | None) -> bool:
    """True for a 5xx, dropped connection, timeout or 429 while fetching updates (no update attached)."""
    return update is None and isinstance(error, TRANSIENT_ERRORS) and not isinstance(error, NOT_TRANSIENT)


def transient_reason(error: BaseException) -> str:
    """A short, single-line reason for a transient error: Telegram's or httpx's words, never a token.

    These errors come from getUpdates, whose answer holds no user text; their message is PTB's or the
    HTTP library's description ("Bad Gateway", "httpx.RemoteProtocolError: Server disconnected ..."). URLs
    and token-shaped strings are cut anyway, should some version of a library quote the request URL.
    """
    if isinstance(error, RetryAfter):
        return f"retry after {retry_seconds(error):.0f}s"
    text = getattr(error, "message", "") or str(error)
    text = _TOKEN_SHAPED.sub("<token>", _URL.sub("<url>", " ".join(str(text).split())))
    return text[:MAX_REASON_CHARS]


async def on_error(update: object, context: Context) -> None:
    """Errors PTB caught outside our guard: the polling loop's, and whatever escaped a handler.

    A transient failure to fetch updates is one WARNING line (PTB retries; nothing is lost); anything
    else is an ERROR with its type and place (log_exception), never its message.
    """
    error = context.error
    if error is None:
        return
    if is_transient_fetch_error(update, error):
        log.warning("fetching updates failed (%s: %s); retrying, nothing lost", type(error).__name__,
                    transient_reason(error))
        return
    log_exception("error while handling an update", error)


__all__ = ["Services", "escape", "telegram_lang"]
