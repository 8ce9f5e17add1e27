"""Faults: a flaky Bot API, SIGKILL mid-load and mid-alert, a read-only or full data disk, broken content.

Every test runs the real `scambot run` process (benchmarks/load_run.py starts it) against the fake Bot
API server of tests/faultyapi.py on 127.0.0.1. "Answered" means: the server accepted a sendMessage to the
user's chat for that update.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ADMIN_ID, ROOT
from faultyapi import FaultyBotAPI

sys.path.insert(0, str(ROOT / "benchmarks"))
import load_run

pytestmark = pytest.mark.slow

DEGRADED_WARNING = "state storage unavailable"


def assert_clean(result: dict, *, exactly_once: bool = True) -> None:
    assert result["complete"], result
    assert result["unanswered"] == 0, result
    if exactly_once:
        assert result["duplicates"] == 0, result
    assert result["rejected"] == [], result
    assert result["bot_alive_at_end"], result
    assert not result["token_in_log"]
    assert result["group_replies"] == 0
    assert result["inline_unanswered"] == 0
    assert result["integrity"] == "ok"


def can_unshare() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


# -- a flaky Bot API -----------------------------------------------------------------------------------

def test_ten_percent_of_calls_fail_and_every_message_is_answered_exactly_once():
    """429 with retry_after, 502, dropped connections and replies that never come, on every method."""

    def one_of_each(fake: FaultyBotAPI) -> None:
        for method in ("getUpdates", "sendMessage", "answerCallbackQuery"):
            for kind in ("429", "502", "drop"):
                fake.inject(method, kind)
        fake.inject("sendMessage", "hang")  # the answer never comes: the client times out (20 s) and retries

        def then_hang_the_long_poll() -> None:  # once the first hang is under way, so that both waits overlap
            if fake.wait_until(lambda: fake.faults_served.get("sendMessage:hang"), 60):
                fake.inject("getUpdates", "hang")

        threading.Thread(target=then_hang_the_long_poll, daemon=True).start()

    result = load_run.run_load(users=24, per_user=4, active=12, fault_rate=0.1, fault_kinds=("429", "502", "drop"),
                               on_started=one_of_each, stall=90)
    assert_clean(result)
    served = result["faults_served"]
    for kind in ("429", "502", "drop", "hang"):
        assert served.get(f"getUpdates:{kind}") and served.get(f"sendMessage:{kind}"), served
    assert sum(served.values()) >= 20
    assert result["stats_total"] == result["stats_expected"]  # a retried reply is not counted twice


def test_a_reply_lost_after_telegram_accepted_the_call_means_at_least_once():
    """The Bot API has no idempotency key: a sendMessage that took effect but whose answer was lost is sent
    again (a duplicate), which beats leaving someone unanswered. getUpdates answers lost the same way cost
    nothing: the offset is confirmed only by the next call."""

    def lose(fake: FaultyBotAPI) -> None:
        fake.inject("getUpdates", "lost", times=3)
        fake.inject("sendMessage", "lost", times=3)

    result = load_run.run_load(users=20, per_user=3, active=10, on_started=lose)
    assert_clean(result, exactly_once=False)
    assert result["faults_served"].get("sendMessage:lost") == 3
    assert result["duplicates"] <= 3


def test_a_command_menu_call_that_never_returns_does_not_delay_the_first_answer(tmp_path):
    """The menu (setMyCommands) is set in the background: before, the bot polled only once it was set, and one
    call without an answer held every reply back by its 20 s read timeout."""
    with load_run.fake_server() as fake:
        fake.inject("setMyCommands", "hang")
        runner = load_run.BotRunner(fake, load_run.prepare_data_dir(tmp_path / "data"))
        runner.start()
        try:
            fake.add_message("is a study offer in Russia safe?", user_id=8601)
            assert fake.wait_until(lambda: fake.sent(8601), 15)
            # Answered while the first setMyCommands still waits for its answer (the menu is set language by
            # language, so no language has one yet); before, polling began only once all were set.
            assert fake.calls_of("setMyCommands") and not fake.commands
        finally:
            runner.stop()
        assert runner.process.returncode == 0  # the menu task was cancelled at the stop, quietly
        assert "Traceback" not in runner.log() and " ERROR " not in runner.log()


# -- SIGKILL ----------------------------------------------------------------------------------------------

def test_sigkill_mid_load_then_restart():
    result = load_run.run_load(users=60, per_user=4, active=30, kill_at=0.4)
    kill = result["kill"]
    assert kill["integrity_after_crash"] == "ok"
    assert kill["lost_confirmed_unanswered"] == 0, kill  # nothing confirmed to Telegram before it was answered
    assert kill["unconfirmed_all_answered"], kill  # what Telegram sends again is answered after the restart
    assert kill["counters_kept"] and kill["subscriptions_kept"]
    assert result["integrity"] == "ok"
    # At least once: only updates answered but not yet confirmed at the kill may be answered twice (give or
    # take the driver's reading of two-part answers when answers come twice).
    assert result["unanswered"] == 0, result
    assert result["duplicates"] <= kill["answered_unconfirmed"] + kill["split_steps_sent"], result
    assert result["rejected"] == [] and not result["token_in_log"]


def test_updates_fetched_but_not_answered_before_a_sigkill_are_answered_after_restart(tmp_path):
    """The bot confirms an update to Telegram (the next getUpdates offset) only once it is answered, so the
    updates it was answering when it died are sent to the next process (bot/telegram/polling.py)."""
    with load_run.fake_server() as fake:
        runner = load_run.BotRunner(fake, load_run.prepare_data_dir(tmp_path / "data"))
        runner.start()
        try:
            fake.hold({"sendMessage"})  # the bot fetched the messages and is answering them when it dies
            users = range(8101, 8111)
            ids = [fake.add_message("is a scholarship in Kazan safe?", user_id=u) for u in users]
            assert fake.wait_until(lambda: fake.parked >= len(users), 20)  # every one fetched, being answered
            time.sleep(0.3)  # a few more polls: none of them may confirm what is not answered
            runner.kill()
            fake.release(discard=True)
            assert fake.confirmed_offset <= ids[0]  # Telegram still holds all ten
            runner.start()
            answered = fake.wait_until(lambda: all(fake.accepted_of("sendMessage") and fake.sent(u) for u in users), 5)
            # Once answered they are confirmed, and a clean stop confirms the last ones: nothing comes back.
            assert fake.wait_until(lambda: fake.confirmed_offset > ids[-1], 5)
        finally:
            runner.stop()
        assert answered, f"{sum(1 for u in users if not fake.sent(u))} of {len(users)} fetched updates were lost"
        assert all(len(fake.sent(u)) == 1 for u in users)  # none was answered before the kill: no duplicate


def test_an_alert_interrupted_by_sigkill_resumes_without_duplicates(tmp_path):
    subscribers = list(range(8201, 8261))
    alert = "ALERT-7: a fake university in Kazan recruits for the army"
    with load_run.fake_server() as fake:
        data_dir = load_run.prepare_data_dir(tmp_path / "data")
        runner = load_run.BotRunner(fake, data_dir)
        runner.start()
        try:
            for user in subscribers:
                fake.add_message("/subscribe", user_id=user)
            assert fake.wait_until(lambda: all(fake.sent(u) for u in subscribers), 30)
            delivered = threading.Event()

            def count(method: str, params: dict, result: object, now: float) -> None:
                if method != "sendMessage" or alert not in str(params.get("text")):
                    return
                if sum(alert in str(p.get("text")) for p in fake.accepted_of("sendMessage")) >= 20:
                    fake.hold({"sendMessage"})  # nothing more reaches Telegram until the kill
                    delivered.set()

            fake.on_accepted = count
            fake.add_message(f"/broadcast {alert}", user_id=ADMIN_ID)
            assert delivered.wait(30), runner.log()[-2000:]
            time.sleep(0.5)  # the answers already sent are read and recorded by the bot
            runner.kill()
            fake.on_accepted = None
            fake.release(discard=True)
            with sqlite3.connect(data_dir / "state.db") as conn:
                assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
                pending = conn.execute("select count(*) from deliveries where status = 'pending'").fetchone()[0]
            assert 0 < pending < len(subscribers)
            runner.start()  # resumes the alert at start
            assert fake.wait_until(lambda: all(fake.sent(u)[1:] for u in subscribers), 30), runner.log()[-2000:]
            time.sleep(1.0)
        finally:
            runner.stop()
        for user in subscribers:
            got = [m for m in fake.sent(user) if alert in m["text"]]
            assert len(got) == 1, (user, len(got))
        with sqlite3.connect(data_dir / "state.db") as conn:
            assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
            statuses = dict(conn.execute("select status, count(*) from deliveries group by status").fetchall())
            subscribed = conn.execute("select count(*) from subscriptions").fetchone()[0]
        assert statuses == {"sent": len(subscribers)}
        assert subscribed == len(subscribers)
        assert "resuming alert" in runner.log()


# -- the data disk ------------------------------------------------------------------------------------------

def _used_data_dir(tmp_path: Path, fake: FaultyBotAPI) -> Path:
    """A data directory the bot has already written: statistics, a subscriber, hash key, content."""
    data_dir = load_run.prepare_data_dir(tmp_path / "data")
    runner = load_run.BotRunner(fake, data_dir)
    runner.start()
    try:
        fake.add_message("is a study offer in Russia safe?", user_id=8301)
        fake.add_message("/subscribe", user_id=8302)
        assert fake.wait_until(lambda: fake.sent(8301) and fake.sent(8302), 20)
    finally:
        runner.stop()
    return data_dir


def _degraded_run(fake: FaultyBotAPI, runner: load_run.BotRunner) -> None:
    engine = load_run.engine()
    runner.start()
    try:
        questions = ["is a study offer in Russia safe?", "هل الدراسة في روسيا آمنة حالياً؟",
                     "Работа в России, зарплата 3000$, контракт на русском", "/subscribe", "/start lang-fr"]
        for n, text in enumerate(questions):
            fake.add_message(text, user_id=8310 + n)
        fake.add_callback("v1|t|study-offer", user_id=8320)
        assert fake.wait_until(lambda: all(fake.sent(8310 + n) for n in range(len(questions))) and fake.sent(8320),
                               30), runner.log()[-2000:]
        assert fake.sent(8310)[0]["text"] == engine.respond(questions[0], "en").text
        fake.add_message("/stats", user_id=ADMIN_ID)
        assert fake.wait_until(lambda: fake.sent(ADMIN_ID), 20)
        assert runner.alive()
    finally:
        runner.stop()
    assert "Statistics are off" in fake.sent(ADMIN_ID)[0]["text"]
    log = runner.log()
    assert log.count(DEGRADED_WARNING) == 1, log
    assert " ERROR " not in log and "Traceback" not in log
    assert fake.rejected == []


@pytest.mark.skipif(not can_unshare(), reason="needs root and mount namespaces (unshare -m)")
def test_read_only_data_dir_still_answers_and_stats_says_so(tmp_path):
    with load_run.fake_server() as fake:
        data_dir = _used_data_dir(tmp_path, fake)
        before = (data_dir / "state.db").read_bytes()
        # The bot runs in its own mount namespace where the data directory is a read-only bind mount.
        read_only = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"'
        runner = load_run.BotRunner(fake, data_dir, prefix=["unshare", "-m", "sh", "-c", read_only, str(data_dir)])
        _degraded_run(fake, runner)
    assert (data_dir / "state.db").read_bytes() == before


@pytest.mark.skipif(not can_unshare(), reason="needs root and mount namespaces (unshare -m)")
def test_full_disk_still_answers_and_stats_says_so(tmp_path):
    with load_run.fake_server() as fake:
        source = _used_data_dir(tmp_path, fake)
        full_dir = tmp_path / "full"
        full_dir.mkdir()
        size_kib = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) // 1024 + 512
        # A small tmpfs holding a copy of the data, then filled to the last byte.
        fill = ('d=$1; src=$2; size=$3; shift 3; mount -t tmpfs -o size="$size"k tmpfs "$d" && cp -a "$src"/. "$d"/ '
                '&& { head -c 100000000 /dev/zero > "$d/filler" 2>/dev/null; true; } && exec "$@"')
        runner = load_run.BotRunner(fake, full_dir, prefix=["unshare", "-m", "sh", "-c", fill, "_", str(full_dir),
                                                            str(source), str(size_kib)])
        _degraded_run(fake, runner)


@pytest.mark.skipif(not can_unshare(), reason="needs root and mount namespaces (unshare -m)")
def test_full_disk_at_first_start_still_serves(tmp_path):
    with load_run.fake_server() as fake:
        full_dir = tmp_path / "full"
        full_dir.mkdir()
        fill = ('d=$1; shift 1; mount -t tmpfs -o size=512k tmpfs "$d" && '
                '{ head -c 100000000 /dev/zero > "$d/filler" 2>/dev/null; rm "$d/filler"; '
                'head -c 400000 /dev/zero > "$d/filler"; true; } && exec "$@"')
        runner = load_run.BotRunner(fake, full_dir, prefix=["unshare", "-m", "sh", "-c", fill, "_", str(full_dir)])
        try:
            runner.start(timeout=60)
            fake.add_message("is a study offer in Russia safe?", user_id=8401)
            assert fake.wait_until(lambda: fake.sent(8401), 20)
        finally:
            runner.stop()


# -- broken content ------------------------------------------------------------------------------------------

def test_broken_yaml_a_clear_error_at_start_and_the_old_content_at_reload(tmp_path):
    faq = tmp_path / "faq"
    shutil.copytree(load_run.ROOT / "faq", faq)
    topic = faq / "topics" / "study-offer.yaml"
    good = topic.read_text(encoding="utf-8")
    lines = good.splitlines(keepends=True)
    broken = "".join(lines[:4]) + '  oops: [unclosed, "x\n' + "".join(lines[4:])  # line 5
    topic.write_text(broken, encoding="utf-8")
    env = {"SCAMBOT_FAQ_DIR": str(faq)}
    with load_run.fake_server() as fake:
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        runner = load_run.BotRunner(fake, data_dir, extra_env=env)
        runner.start(wait=False)
        assert runner.process.wait(timeout=90) == 2
        output = runner.log()
        assert "study-offer.yaml: line 5" in output, output
        assert "Traceback" not in output
        assert fake.calls_of("getUpdates") == []  # it never started serving

        topic.write_text(good, encoding="utf-8")
        runner.start()
        try:
            question = "is a study offer in Russia safe?"
            fake.add_message(question, user_id=8501)
            assert fake.wait_until(lambda: fake.sent(8501), 20)
            before = fake.sent(8501)[0]["text"]
            topic.write_text(broken.replace("Russia", "Russland"), encoding="utf-8")
            fake.add_message("/reload", user_id=ADMIN_ID)
            assert fake.wait_until(lambda: fake.sent(ADMIN_ID), 60)
            answer = fake.sent(ADMIN_ID)[0]["text"]
            assert "Not reloaded" in answer and "study-offer.yaml" in answer and "line 5" in answer, answer
            fake.add_message(question, user_id=8502)
            assert fake.wait_until(lambda: fake.sent(8502), 20)
            assert fake.sent(8502)[0]["text"] == before  # the old content keeps serving
            assert runner.alive()
        finally:
            runner.stop()
        assert fake.rejected == []
