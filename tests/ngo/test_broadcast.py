"""Alerts to subscribers: each gets one copy in their language, even across a crash; blockers are unsubscribed."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from fakebotapi import FakeBotAPI

from bot.cli.core import main
from bot.ngo import broadcast as bc
from bot.ngo.broadcast import Outcome, SendResult
from bot.state.store import State
from bot.telegram.alerts import BotTextSender, make_bot

KEY = "broadcast-test-key-of-32-bytes-or-more"
LANGS = ("ar", "ckb", "en", "fr", "ru")
TEXTS = {lang: f"[{lang}] Warning: fake scholarships in Russia lead to army contracts." for lang in LANGS}


@pytest.fixture()
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_HASH_KEY", KEY)
    s = State.open(tmp_path, key=KEY.encode())
    yield s
    s.close()


def subscribe(state: State, chat_ids, langs=LANGS) -> None:
    for i, chat_id in enumerate(chat_ids):
        state.subscribe(state.user_ref(chat_id), chat_id=chat_id, lang=langs[i % len(langs)])


class FakeSender:
    """A TextSender in memory: records sends; `script[chat_id]` lists the outcomes to answer first."""

    def __init__(self, script=None, crash_after: int | None = None):
        self.sent: list[tuple[int, str, float]] = []
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.crash_after = crash_after

    async def send_text(self, chat_id: int, text: str) -> SendResult:
        await asyncio.sleep(0.001)
        pending = self.script.get(chat_id)
        if pending:
            return pending.pop(0)
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise SystemError("the process dies here")
        self.sent.append((chat_id, text, time.monotonic()))
        return SendResult.sent()



# -- composing --------------------------------------------------------------------------------------------

def test_parse_one_message_for_everyone():
    assert bc.parse_broadcast("/broadcast Beware of the 'Alabuga Start' programme.\nShare this.") == {
        "*": "Beware of the 'Alabuga Start' programme.\nShare this."}
    assert bc.parse_broadcast("/broadcast@ScamCheckBot hello") == {"*": "hello"}
    assert bc.parse_broadcast("   ") == {}


def test_parse_language_blocks():
    body = "ar: تحذير\nسطر ثان\n\nEN: Warning\nsecond line\nfr : Attention"
    assert bc.parse_broadcast(body) == {"ar": "تحذير\nسطر ثان", "en": "Warning\nsecond line", "fr": "Attention"}
    mixed = bc.parse_broadcast("For all: check offers\nru: Внимание")
    assert mixed == {"*": "For all: check offers", "ru": "Внимание"}


def test_each_language_gets_its_text_else_english_else_the_common_one():
    texts = {"ar": "A", "en": "E"}
    assert [bc.text_for(texts, lang) for lang in ("ar", "ckb", "en", None)] == ["A", "E", "E", "E"]
    assert bc.text_for({"*": "ALL", "ar": "A"}, "fr") == "ALL"
    assert bc.text_for({"ar": "A"}, "fr") == "A"


@pytest.mark.parametrize("texts", [{}, {"ar": "  "}, {"de": "Hallo"}, {"en": "x" * 4097}])
def test_invalid_alerts_are_refused(state, texts):
    with pytest.raises(ValueError):
        bc.create_alert(state, texts)


# -- delivering with an in-process fake Bot ------------------------------------------------------------------

def test_everyone_gets_one_copy_in_their_language(state):
    subscribe(state, range(1, 21))
    alert = bc.create_alert(state, {"ar": "A", "en": "E"})
    bot = FakeSender()
    seen: list[tuple[int, int]] = []

    async def progress(done, total):
        seen.append((done, total))

    result = asyncio.run(bc.deliver(bot, state, alert, rate=1000, progress=progress))
    assert result["sent"] == 20 and result["pending"] == 0 and result["run"]["sent"] == 20
    assert sorted(c for c, _, _ in bot.sent) == list(range(1, 21))
    langs = {s["chat_id"]: s["lang"] for s in state.subscribers()}
    assert all(text == ("A" if langs[c] == "ar" else "E") for c, text, _ in bot.sent)
    assert seen[0] == (0, 20) and seen[-1] == (20, 20)
    assert bc.pending_alerts(state) == []
    assert not list(Path(state.db.execute("pragma database_list").fetchone()[2]).parent.glob(".alert-*.lock"))


def test_blocked_users_are_unsubscribed_and_errors_handled(state, monkeypatch):
    monkeypatch.setattr(bc, "_backoff", lambda attempt: 0.01)
    subscribe(state, range(1, 11))
    script = {
        2: [SendResult(Outcome.BLOCKED)],
        3: [SendResult(Outcome.RETRY_AFTER, retry_after=1)],
        4: [SendResult(Outcome.TRANSIENT, reason="Bad Gateway")] * 2,  # then succeeds
        5: [SendResult(Outcome.TRANSIENT, reason="Bad Gateway")] * bc.MAX_NETWORK_ATTEMPTS,  # gives up
        6: [SendResult(Outcome.FAILED, reason="Bad Request: chat not found")],
    }
    bot = FakeSender(script)
    started = time.monotonic()
    result = asyncio.run(bc.deliver(bot, state, bc.create_alert(state, TEXTS), rate=1000))
    assert (result["sent"], result["blocked"], result["failed"], result["pending"]) == (7, 1, 2, 0)
    assert sorted(c for c, _, _ in bot.sent) == [1, 3, 4, 7, 8, 9, 10]
    assert 2 not in {s["chat_id"] for s in state.subscribers()}
    assert state.get_user(state.user_ref(2))["subscribed"] is False
    # the 429 paused everyone for retry_after: the message for chat 3 went at least 1 s after the start
    assert next(t for c, _, t in bot.sent if c == 3) - started >= 0.95


def test_rate_limit_spaces_messages(state):
    subscribe(state, range(1, 31))
    bot = FakeSender()
    started = time.monotonic()
    asyncio.run(bc.deliver(bot, state, bc.create_alert(state, TEXTS), rate=50))
    assert time.monotonic() - started >= 29 / 50 * 0.95
    times = sorted(t for _, _, t in bot.sent)
    # no one-second window holds more than rate (+1 for the boundary)
    assert max(sum(1 for u in times if t <= u < t + 1) for t in times) <= 51


def test_a_crash_half_way_resumes_without_duplicates(state):
    subscribe(state, range(1, 101))
    alert = bc.create_alert(state, TEXTS)
    first = FakeSender(crash_after=40)
    with pytest.raises(SystemError):
        asyncio.run(bc.deliver(first, state, alert, rate=1000))
    assert state.delivery_counts(alert)["sent"] == 40 == len(first.sent)  # every accepted message recorded
    assert bc.pending_alerts(state) == [alert]
    second = FakeSender()
    result = asyncio.run(bc.deliver(second, state, alert, rate=1000))
    assert result["sent"] == 100 and result["run"]["sent"] == 60
    assert Counter(c for c, _, _ in first.sent + second.sent) == Counter(range(1, 101))


def test_stop_leaves_the_rest_pending(state):
    subscribe(state, range(1, 51))
    alert = bc.create_alert(state, TEXTS)
    bot = FakeSender()

    async def run():
        stop = asyncio.Event()

        async def progress(done, total):
            if done >= 10:
                stop.set()

        return await bc.deliver(bot, state, alert, rate=200, progress=progress, progress_interval=0, stop=stop)

    result = asyncio.run(run())
    assert 10 <= result["sent"] < 50 and result["pending"] == 50 - result["sent"] == 50 - len(bot.sent)


def test_one_deliverer_per_alert(state):
    subscribe(state, range(1, 21))
    alert = bc.create_alert(state, TEXTS)

    async def both():
        return await asyncio.gather(bc.deliver(FakeSender(), state, alert, rate=100),
                                    bc.deliver(FakeSender(), state, alert, rate=100), return_exceptions=True)

    results = asyncio.run(both())
    assert sum(isinstance(r, bc.DeliveryBusy) for r in results) == 1
    assert state.delivery_counts(alert)["sent"] == 20


def test_unsubscribing_during_delivery_stops_that_copy(state):
    subscribe(state, range(1, 4))
    alert = bc.create_alert(state, TEXTS)
    state.unsubscribe(state.user_ref(2))
    bot = FakeSender()
    asyncio.run(bc.deliver(bot, state, alert, rate=1000))
    assert sorted(c for c, _, _ in bot.sent) == [1, 3]


# -- end to end against the fake Bot API server ---------------------------------------------------------------

def test_thousand_subscribers_with_429s_502s_and_blocked_users(state):
    subscribe(state, range(1, 1001))
    blocked = set(range(7, 1001, 20))  # 50 people blocked the bot
    with FakeBotAPI() as fake:
        fake.blocked = blocked
        fake.inject("sendMessage", "429", times=2, retry_after=1)
        fake.inject("sendMessage", "502", times=3)
        fake.inject("sendMessage", "drop", times=2)

        async def run():
            async with make_bot(fake.token, fake.base_url) as bot:
                return await bc.deliver(BotTextSender(bot), state, bc.create_alert(state, TEXTS), rate=400)

        result = asyncio.run(run())
        sent = fake.sent()
    assert result["sent"] == 950 and result["blocked"] == 50 and result["failed"] == 0
    copies = Counter(m["chat_id"] for m in sent)
    assert set(copies) == set(range(1, 1001)) - blocked and set(copies.values()) == {1}
    langs = {s: LANGS[(s - 1) % 5] for s in range(1, 1001)}
    assert all(m["text"] == TEXTS[langs[m["chat_id"]]] for m in sent)
    assert "parse_mode" not in sent[0]  # plain text: an admin's "<" cannot make Telegram refuse the alert
    assert {s["chat_id"] for s in state.subscribers()} == set(range(1, 1001)) - blocked


def _scambot(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot", "broadcast", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)


def _broadcast_env(tmp_path: Path, fake: FakeBotAPI) -> dict:
    env = {**os.environ, "SCAMBOT_DATA_DIR": str(tmp_path), "SCAMBOT_HASH_KEY": KEY, "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_API_BASE_URL": fake.base_url, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    return env


def _alert_file(tmp_path: Path) -> Path:
    path = tmp_path / "alert.yaml"
    path.write_text("".join(f"{lang}: \"{text}\"\n" for lang, text in TEXTS.items()), encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_broadcast_killed_half_way_and_restarted_sends_one_copy_each(state, tmp_path):
    """SIGKILL while no message is in flight (during a 429 pause): the restart sends exactly the rest."""
    subscribe(state, range(1, 1001))
    blocked = set(range(3, 1001, 25))  # 40 blocked
    alert_file = _alert_file(tmp_path)
    with FakeBotAPI() as fake:
        fake.blocked = blocked
        fake.inject("sendMessage", "429", times=1, retry_after=1)
        env = _broadcast_env(tmp_path, fake)
        first = _scambot(env, str(alert_file), "--yes", "--rate", "300")
        try:
            assert fake.wait_until(lambda: len(fake.sent()) >= 450, timeout=30), first.stderr
            calls = len(fake.calls_of("sendMessage"))
            fake.inject("sendMessage", "429", times=1, retry_after=4)
            assert fake.wait_until(lambda: len(fake.calls_of("sendMessage")) > calls, timeout=10)
            time.sleep(0.7)  # the messages in flight come back and are recorded; nothing new starts
            stable = len(fake.sent())
            time.sleep(0.3)
            assert len(fake.sent()) == stable
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        assert 400 <= stable < 1000
        before = State.open(tmp_path, key=KEY.encode())
        [alert] = before.pending_alerts()
        counts = before.delivery_counts(alert)
        before.close()
        assert counts["sent"] == stable  # every message Telegram accepted was recorded before the kill

        second = _scambot(env, str(alert_file), "--rate", "300")  # no --yes needed: it resumes
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert "resuming" in err and "960 sent, 40 blocked" in out
        sent = fake.sent()
    copies = Counter(m["chat_id"] for m in sent)
    assert set(copies) == set(range(1, 1001)) - blocked
    assert set(copies.values()) == {1}, [c for c, n in copies.items() if n > 1]
    after = State.open(tmp_path, key=KEY.encode())
    assert {s["chat_id"] for s in after.subscribers()} == set(range(1, 1001)) - blocked
    assert after.pending_alerts() == []
    after.close()


@pytest.mark.slow
def test_cli_broadcast_killed_at_any_moment_duplicates_at_most_the_messages_in_flight(state, tmp_path):
    """The documented window: a SIGKILL between Telegram's answer and the commit. Bounded by concurrency."""
    subscribe(state, range(1, 601))
    alert_file = _alert_file(tmp_path)
    with FakeBotAPI() as fake:
        env = _broadcast_env(tmp_path, fake)
        first = _scambot(env, str(alert_file), "--yes", "--rate", "400")
        try:
            assert fake.wait_until(lambda: len(fake.sent()) >= 300, timeout=30), first.stderr
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        second = _scambot(env, str(alert_file), "--rate", "400")
        _out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        sent = fake.sent()
    copies = Counter(m["chat_id"] for m in sent)
    assert set(copies) == set(range(1, 601))  # no one missed
    assert sum(n - 1 for n in copies.values()) <= bc.DEFAULT_CONCURRENCY


def test_cli_broadcast_needs_a_token_and_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert CliRunner().invoke(main, ["broadcast"]).exit_code == 2
    alert = tmp_path / "a.txt"
    alert.write_text("en: hello\nar: مرحبا\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["broadcast", str(alert), "--yes"])
    assert result.exit_code == 2 and "TELEGRAM_BOT_TOKEN" in result.output


def test_cli_broadcast_dry_run_and_confirmation(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCAMBOT_HASH_KEY", KEY)
    s = State.open(tmp_path, key=KEY.encode())
    subscribe(s, range(1, 11))
    s.close()
    alert = tmp_path / "a.txt"
    alert.write_text("en: hello\nar: مرحبا\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["broadcast", str(alert), "--dry-run"])
    assert result.exit_code == 0 and "2 subscriber(s) [ar]: 'مرحبا'" in result.output
    with FakeBotAPI() as fake:
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", fake.token)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)
        declined = CliRunner().invoke(main, ["broadcast", str(alert)], input="n\n")
        assert declined.exit_code != 0 and fake.sent() == []
        accepted = CliRunner().invoke(main, ["broadcast", str(alert), "--rate", "500"], input="y\n")
        assert accepted.exit_code == 0, accepted.output
        assert "10 sent" in accepted.output and len(fake.sent()) == 10
