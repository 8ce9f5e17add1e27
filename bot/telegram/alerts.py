"""The Telegram side of alert delivery: bot.ngo.broadcast's `TextSender` over a python-telegram-bot `Bot`.

The NGO core decides who gets which alert and records each delivery; this module only sends one plain-text
message and translates Telegram's answer into the core's outcomes. Plain text, not HTML: an admin's "<" in an
alert cannot make Telegram refuse it. Nothing here logs message text or chat ids; the reason returned is
Telegram's own description, which never quotes our text.
"""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.ngo.broadcast import Outcome, SendResult
from bot.telegram.send import retry_seconds
from bot.telegram.transport import make_bot

__all__ = ["BotTextSender", "make_bot"]


class BotTextSender:
    """Sends through `bot` (implements bot.ngo.broadcast.TextSender)."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(self, chat_id: int, text: str) -> SendResult:
        try:
            await self.bot.send_message(chat_id=chat_id, text=text)
        except RetryAfter as error:
            return SendResult(Outcome.RETRY_AFTER, retry_after=retry_seconds(error), reason="429")
        except Forbidden:  # blocked the bot or deleted the account
            return SendResult(Outcome.BLOCKED, reason="403")
        except InvalidToken:
            raise  # the sender cannot work at all: delivery stops, the alert stays resumable
        except BadRequest as error:  # e.g. chat not found: the same request would fail the same way
            return SendResult(Outcome.FAILED, reason=_reason(error))
        except NetworkError as error:  # 5xx, timeouts, dropped connections (TimedOut is a NetworkError)
            return SendResult(Outcome.TRANSIENT, reason=_reason(error))
        except TelegramError as error:
            return SendResult(Outcome.FAILED, reason=_reason(error))
        return SendResult.sent()


def _reason(error: TelegramError) -> str:
    return f"{type(error).__name__}: {error.message[:200]}"
