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
from collections.abc import Callable, Coroutine
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
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from bot.config import Config
from bot.conversation import Conversation, Incoming, Memory, Person, Settings
from bot.engine import Engine
from bot.models import LANGUAGES, Reply
from bot.state.store import State
from bot.telegram import callbacks
from bot.telegram.flood import FloodControl, Verdict
from bot.telegram.send import Blocked, retry_seconds, send_html, split_html, with_retries
from bot.text.markup import escape

log = logging.getLogger(__name__)

MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER = 200



@dataclass
class Services:
    """What every handler needs; one per Application, in bot_data["services"]."""

    config: Config
    engine: Engine
    state: State
    flood: FloodControl = field(default_factory=FloodControl)
    username: str = ""
    tasks: set[asyncio.Task] = field(default_factory=set)  # background tasks, referenced until done

    @property
    def conversation(self) -> Conversation:
        """The conversation over the current engine (replaced by /reload) and the state."""
        return Conversation(self.engine, self.state, self.config.retention_days)

    def background(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        """Run a task beside the handlers (alert delivery, retention); cancelled when the bot stops."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """The context every handler gets (PTB's customised context types): `context.services` is typed."""

    @property
    def services(self) -> Services:
        return self.bot_data["services"]


Context = BotContext
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]
CONTEXT_TYPES = ContextTypes(context=BotContext)


def services(context: Context) -> Services:
    return context.services


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


def person_of(context: Context, user: User) -> Person:
    """The person as the conversation sees them: stored settings, this process's memory of them, their app."""
    prof = profile(context, user)
    memory = (context.user_data or {}).get("memory") or Memory()
    return Person(prof["ref"], Settings(prof["lang"], prof["country"], prof["source"]), memory,
                  telegram_lang(user.language_code))


def keep(context: Context, person: Person) -> None:
    """Remember what the conversation returned (in memory: the state has stored what it must)."""
    if context.user_data is None:
        return
    context.user_data["memory"] = person.memory
    context.user_data["profile"] = {"ref": person.ref, "lang": person.settings.lang,
                                    "country": person.settings.country, "source": person.settings.source}


def ui_lang(context: Context, user: User) -> str:
    """The language for notices outside the conversation (flood control, apologies): as the conversation's."""
    return Conversation.ui_lang(person_of(context, user))


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


async def converse(update: Update, context: Context, incoming: Incoming) -> None:
    """One turn of the conversation (bot/conversation.py) for this update, and its replies sent."""
    user = update.effective_user
    turn = services(context).conversation.step(person_of(context, user), incoming)
    keep(context, turn.person)
    for reply in turn.replies:
        await reply_to(update, context, reply)


def chat_of(update: Update) -> int | None:
    return update.effective_chat.id if update.effective_chat else None


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
    await converse(update, context, Incoming("text", text=text, forwarded=message.forward_origin is not None))


async def on_group_text(update: Update, context: Context) -> None:
    """Plain group chatter: cheap check for our mention before any flood accounting."""
    message = update.effective_message
    if message and addressed_to_bot(message, services(context).username or context.bot.username,
                                     context.bot.id) is not None:
        await on_text(update, context)


@guarded
async def on_media(update: Update, context: Context) -> None:
    message = update.effective_message
    await converse(update, context, Incoming("media", text=message.caption or "",
                                             forwarded=message.forward_origin is not None))


# -- commands --------------------------------------------------------------------------------------

def command_argument(message: Message) -> str:
    """The text after the /command (newlines kept, unlike context.args)."""
    text = message.text or ""
    for entity, command in entity_texts(message, (MessageEntity.BOT_COMMAND,)):
        if entity.offset == 0:
            return text[len(command):].strip()
    return text.partition(" ")[2].strip()


async def command(update: Update, context: Context) -> None:
    """A person's command (/start, /help, /check ...): the conversation answers it."""
    message = update.effective_message
    name = (message.text or "").split(maxsplit=1)[0][1:].split("@", 1)[0].lower() if message.text else ""
    quoted = message.reply_to_message
    await converse(update, context, Incoming(
        # Alerts go to the person's private chat only: a group's id is never offered for /subscribe.
        "command", command=name, text=command_argument(message), chat=chat_of(update) if is_private(update) else None,
        quoted=message_text(quoted) if quoted else "", quoted_media=bool(quoted and not message_text(quoted))))


cmd_start = cmd_help = cmd_check = cmd_hotline = cmd_signs = cmd_language = cmd_privacy = cmd_forget = \
    cmd_subscribe = cmd_unsubscribe = guarded(command)


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
    user = update.effective_user
    action = callbacks.decode(query.data)
    if action is None:
        notice = services(context).engine.text("stale_button", ui_lang(context, user))
        await with_retries(lambda: query.answer(notice[:MAX_CALLBACK_ANSWER]), "answerCallbackQuery")
        return
    turn = services(context).conversation.step(person_of(context, user), Incoming("button", action=action))
    keep(context, turn.person)
    if turn.notice:
        await with_retries(lambda: query.answer(turn.notice[:MAX_CALLBACK_ANSWER]), "answerCallbackQuery")
    else:
        await with_retries(query.answer, "answerCallbackQuery")  # stops the spinner at once
    for reply in turn.replies:
        await reply_to(update, context, reply)


# -- inline mode ------------------------------------------------------------------------------------

@guarded
async def on_inline(update: Update, context: Context) -> None:
    query = update.inline_query
    svc = services(context)
    lang = Conversation.preferred_lang(person_of(context, update.effective_user))
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
