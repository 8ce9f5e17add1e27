"""Sending replies: HTML split to Telegram's 4096-character limit, and Telegram's errors handled.

Splitting prefers paragraph boundaries, then line ends, then spaces; a formatting tag open at a split
is closed at the end of one part and reopened at the start of the next, so every part is valid HTML on
its own. Lengths are counted in UTF-16 code units of the raw HTML, which is never less than what
Telegram counts (the text after parsing), so a part is never refused as too long.

Errors: 429 -> wait retry_after and retry (twice at most); 5xx, timeouts, dropped connections -> retry
with backoff; 403 (the user blocked the bot) -> `Blocked`, so the caller can unsubscribe them; a 400
about the HTML -> the same text once more as plain text, so the person still gets the answer.
Nothing here logs message text.
"""

from __future__ import annotations

import asyncio
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.models import Button
from bot.telegram import callbacks
from bot.text.markup import escape, to_plain

log = logging.getLogger(__name__)

MAX_MESSAGE = 4096
MAX_RETRY_AFTER_RETRIES = 2
MAX_NETWORK_RETRIES = 4
BACKOFF_SECONDS = (0.3, 1.0, 2.0, 4.0)
MAX_RETRY_AFTER_SECONDS = 30.0  # wait at most this long for one 429; the rest of the bot keeps going

T = TypeVar("T")

_TOKEN = re.compile(r"<[^>]*>|&#?[A-Za-z0-9]+;")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9-]*)")


class Blocked(Exception):
    """Telegram answered 403: the user blocked the bot or deleted their account."""


# -- splitting ---------------------------------------------------------------------------------------

def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Layout:
    """Per character boundary of the text: may we cut here, how good a cut is it, what is open."""

    priority: list[int]  # -1: never (inside a tag or entity); 0 any char; 1 space; 2 line; 3 paragraph
    open_tags: list[tuple[str, ...]]  # the open tags' full start tags at each boundary
    units: list[int]  # cumulative UTF-16 units up to each boundary


def _layout(text: str) -> _Layout:
    n = len(text)
    priority = [-1] * (n + 1)
    open_at: list[tuple[str, ...]] = [()] * (n + 1)
    units = [0] * (n + 1)
    for i, ch in enumerate(text):
        units[i + 1] = units[i] + (2 if ord(ch) > 0xFFFF else 1)
    stack: list[str] = []
    pos = 0
    for found in _TOKEN.finditer(text):
        _mark_text(text, pos, found.start(), priority, open_at, tuple(stack))
        token = found.group()
        if token.startswith("<"):
            name = _TAG_NAME.match(token)
            if name and token.startswith("</"):
                if stack and _TAG_NAME.match(stack[-1]).group(1).lower() == name.group(1).lower():  # type: ignore[union-attr]
                    stack.pop()
            elif name and not token.endswith("/>"):
                stack.append(token)
        pos = found.end()
        priority[pos] = max(priority[pos], 0)
        open_at[pos] = tuple(stack)
    _mark_text(text, pos, n, priority, open_at, tuple(stack))
    priority[0] = -1
    return _Layout(priority, open_at, units)


def _mark_text(text: str, start: int, end: int, priority: list[int], open_at: list[tuple[str, ...]],
               stack: tuple[str, ...]) -> None:
    """Boundaries inside plain text [start, end]: cuttable, the better after whitespace."""
    for p in range(start, end + 1):
        open_at[p] = stack
        if p == start:
            priority[p] = max(priority[p], 0)
            continue
        before = text[p - 1]
        if before == "\n":
            priority[p] = 3 if p >= 2 and text[p - 2] == "\n" else 2
        elif before.isspace():
            priority[p] = 1
        else:
            priority[p] = 0


def _closing(stack: tuple[str, ...]) -> str:
    return "".join(f"</{_TAG_NAME.match(tag).group(1)}>" for tag in reversed(stack))  # type: ignore[union-attr]


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """`text` (Telegram HTML) in parts of at most `limit` UTF-16 units, each valid HTML on its own."""
    if utf16_len(text) <= limit:
        return [text] if to_plain(text).strip() else []
    layout = _layout(text)
    n = len(text)
    parts: list[str] = []
    start = 0
    while start < n:
        prefix = "".join(layout.open_tags[start])
        budget = limit - utf16_len(prefix)
        best: dict[int, int] = {}  # priority -> furthest end that fits
        end = start + 1
        while end <= n and layout.units[end] - layout.units[start] <= budget:
            level = 4 if end == n else layout.priority[end]
            if level >= 0 and layout.units[end] - layout.units[start] + utf16_len(_closing(layout.open_tags[end])) \
                    <= budget:
                best[level] = end
            end += 1
        if not best:
            # Pathological nesting leaves no room: send the rest as escaped plain text instead.
            parts.extend(split_html(escape(to_plain(text[start:])), limit))
            break
        cut = best[max(best)]
        part = (prefix + text[start:cut] + _closing(layout.open_tags[cut])).strip()
        if to_plain(part).strip():
            parts.append(part)
        start = cut
    return parts


# -- sending ---------------------------------------------------------------------------------------

def keyboard(buttons: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Engine buttons as an inline keyboard; a button whose action cannot be encoded is left out."""
    rows = []
    for row in buttons:
        encoded = [InlineKeyboardButton(b.label, callback_data=data) for b in row
                   if b.label.strip() and (data := callbacks.encode(b.action))]
        if encoded:
            rows.append(encoded)
    return InlineKeyboardMarkup(rows) if rows else None


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> T:
    """Run a Bot API call, retrying rate limits and transient failures. Raises Blocked on 403."""
    throttled = network = 0
    while True:
        try:
            return await call()
        except RetryAfter as error:
            throttled += 1
            if throttled > MAX_RETRY_AFTER_RETRIES:
                raise
            seconds = retry_seconds(error)
            log.warning("%s: rate limited by Telegram, retrying in %.1fs", what, seconds)
            await asyncio.sleep(min(seconds, MAX_RETRY_AFTER_SECONDS))
        except Forbidden as error:
            raise Blocked(str(error)) from error
        except (BadRequest, ChatMigrated):
            raise  # our request is wrong: retrying the same would fail the same way
        except NetworkError as error:  # 5xx, timeouts, dropped connections (TimedOut is a NetworkError)
            network += 1
            if network > MAX_NETWORK_RETRIES:
                raise
            log.warning("%s: %s, retry %d", what, type(error).__name__, network)
            await asyncio.sleep(BACKOFF_SECONDS[min(network, len(BACKOFF_SECONDS)) - 1])


def retry_seconds(error: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB's settings (and warns either way)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)


async def send_html(bot: Bot, chat_id: int, text: str, buttons: Sequence[Sequence[Button]] = (),
                    reply_to: int | None = None) -> Message | None:
    """Send `text` (split if long) with the buttons under the last part. Raises Blocked on 403.

    Returns the last message sent, or None when Telegram refused it for good (logged, no text).
    """
    parts = split_html(text) or [escape("…")]
    markup = keyboard(buttons)
    last: Message | None = None
    for index, part in enumerate(parts):
        final = index == len(parts) - 1
        last = await _send_part(bot, chat_id, part, markup if final else None, reply_to if index == 0 else None)
    return last


async def _send_part(bot: Bot, chat_id: int, part: str, markup: InlineKeyboardMarkup | None,
                     reply_to: int | None) -> Message | None:
    options: dict = {"reply_markup": markup, "link_preview_options": LinkPreviewOptions(is_disabled=True)}
    if reply_to is not None:  # in groups: answer the message that asked, even if it was deleted meanwhile
        options["reply_parameters"] = ReplyParameters(reply_to, allow_sending_without_reply=True)
    try:
        return await with_retries(lambda: bot.send_message(chat_id, part, parse_mode=ParseMode.HTML, **options),
                                  "sendMessage")
    except BadRequest as error:
        if "parse entities" not in str(error).lower() and "can't parse" not in str(error).lower():
            log.error("sendMessage refused: %s", _describe(error))
            return None
        # Our HTML was refused (a content bug): the person still needs the answer, so send it plain.
        log.error("sendMessage refused our HTML (%s); sending as plain text", _describe(error))
    try:
        return await with_retries(lambda: bot.send_message(chat_id, to_plain(part)[:MAX_MESSAGE], **options),
                                  "sendMessage")
    except BadRequest as error:
        log.error("sendMessage refused plain text too: %s", _describe(error))
        return None


def _describe(error: TelegramError) -> str:
    """The error's kind and Telegram's reason, without any of our text (Telegram does not echo it)."""
    return f"{type(error).__name__}: {error.message[:200]}"
