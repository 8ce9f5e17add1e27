"""The Telegram adapter's TextSender: Telegram's answers become bot.ngo.broadcast's outcomes."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.ngo.broadcast import Outcome
from bot.telegram.alerts import BotTextSender


class ScriptedBot:
    def __init__(self, error: Exception | None = None):
        self.error = error
        self.calls: list[dict] = []

    async def send_message(self, **kwargs):
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error
        return object()


@pytest.mark.parametrize(("error", "outcome"), [
    (None, Outcome.SENT),
    (Forbidden("Forbidden: bot was blocked by the user"), Outcome.BLOCKED),
    (RetryAfter(7), Outcome.RETRY_AFTER),
    (NetworkError("Bad Gateway"), Outcome.TRANSIENT),
    (TimedOut(), Outcome.TRANSIENT),
    (BadRequest("Bad Request: chat not found"), Outcome.FAILED),
])
def test_each_answer_has_its_outcome(error, outcome):
    bot = ScriptedBot(error)
    result = asyncio.run(BotTextSender(bot).send_text(987654321, "alert <b>text</b>"))  # type: ignore[arg-type]
    assert result.outcome is outcome
    assert bot.calls == [{"chat_id": 987654321, "text": "alert <b>text</b>"}]  # plain text: no parse_mode
    if outcome is Outcome.RETRY_AFTER:
        assert result.retry_after == 7
    assert "alert" not in result.reason and "987654321" not in result.reason  # no text, no chat id for the log


def test_a_revoked_token_stops_delivery():
    with pytest.raises(InvalidToken):
        asyncio.run(BotTextSender(ScriptedBot(InvalidToken())).send_text(1, "x"))  # type: ignore[arg-type]
