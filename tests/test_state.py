"""The bot's state: hashed users, anonymous counts, a scrubbed review queue, forgetting everything."""

from __future__ import annotations

import os
import sqlite3

import pytest

from bot.scrub import scrub
from bot.state import DB_NAME, State

RAW_ID = 123456789


@pytest.fixture()
def state(tmp_path, monkeypatch):
    monkeypatch.delenv("SCAMBOT_HASH_KEY", raising=False)
    s = State.open(tmp_path)
    yield s
    s.close()


def dump(state: State) -> str:
    """Every value in every table, as one text: what a seized database would reveal."""
    out = []
    for table in state.db.tables:
        for row in table.rows:
            out.append(repr(row))
    return "\n".join(out)


def test_raw_ids_are_never_stored(state):
    ref = state.user_ref(RAW_ID)
    state.set_user(ref, lang="ar", country="IQ", source="ngo-basra")
    state.record_question(ref, "ar", topic="study-offer", answered=True, source="ngo-basra")
    assert str(RAW_ID) not in dump(state)
    assert state.get_user(ref) == {"lang": "ar", "country": "IQ", "source": "ngo-basra", "subscribed": False}


def test_hash_is_keyed(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "one")
    first = State.open(tmp_path / "a").user_ref(RAW_ID)
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "two")
    assert State.open(tmp_path / "b").user_ref(RAW_ID) != first


def test_generated_key_is_kept_and_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SCAMBOT_HASH_KEY", raising=False)
    first = State.open(tmp_path).user_ref(RAW_ID)
    assert State.open(tmp_path).user_ref(RAW_ID) == first
    assert oct(os.stat(tmp_path / "hash.key").st_mode & 0o777) == "0o600"


def test_counts_not_events(state):
    ref = state.user_ref(RAW_ID)
    for _ in range(3):
        state.record_question(ref, "en", topic="job-offer", answered=True)
    state.record_check(ref, "ru", "high", ["military-terms", "signing-bonus"])
    rows = {(r["metric"], r["key"]): r["n"] for r in state.counter_rows()}
    assert rows[("questions", "en")] == 3 and rows[("topic", "job-offer")] == 3
    assert rows[("risk", "high")] == 1 and rows[("sign", "military-terms")] == 1
    assert state.active_users_by_day()[0]["users"] == 1


def test_unanswered_questions_are_scrubbed(state):
    state.queue_unanswered("call me +964 770 123 4567 or ali@mail.com, @recruiter_x https://t.me/x", "en")
    [row] = state.unanswered()
    for secret in ("770", "ali@mail.com", "recruiter_x", "t.me"):
        assert secret not in row["text"]


def test_retention_deletes_old_questions(state):
    state.queue_unanswered("old question", "en")
    state.db.execute("update unanswered set day = '2000-01-01'")
    state.queue_unanswered("new question", "en")
    state.purge_expired()
    assert [r["text"] for r in state.unanswered()] == ["new question"]


def test_forget_leaves_nothing_about_the_user(state):
    ref = state.user_ref(RAW_ID)
    other = state.user_ref(RAW_ID + 1)
    state.set_user(ref, lang="fr", country="CM", source="poster")
    state.subscribe(ref, chat_id=RAW_ID, lang="fr")
    state.record_question(ref, "fr", topic="job-offer", answered=True)
    state.set_user(other, lang="en")
    deleted = state.forget(ref)
    assert deleted == {"users": 1, "active_days": 1}
    assert ref not in dump(state) and str(RAW_ID) not in dump(state)
    assert state.get_user(other) is not None


def test_chat_id_kept_only_while_subscribed(state):
    ref = state.user_ref(RAW_ID)
    state.subscribe(ref, chat_id=RAW_ID, lang="ar")
    assert state.subscribers() == [{"ref": ref, "chat_id": RAW_ID, "lang": "ar"}]
    state.unsubscribe(ref)
    assert state.subscribers() == [] and str(RAW_ID) not in dump(state)


def test_wal_and_schema_version(state, tmp_path):
    assert state.db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert state.integrity() == {"integrity": "ok", "schema_version": 1}


def test_storage_failure_degrades_instead_of_raising(state):
    state.db.conn.close()  # any storage failure: closed connection, read-only or full disk
    state.record_question(state.user_ref(1), "en", topic="x", answered=True)
    assert state.degraded
    assert state.get_user(state.user_ref(1)) is None


def test_read_only_data_dir_still_works_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "k")
    (tmp_path / DB_NAME).write_bytes(b"this is not a database")
    s = State.open(tmp_path)
    assert s.degraded
    s.record_question(s.user_ref(1), "en")  # no exception
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(tmp_path / DB_NAME).execute("select * from users").fetchall()


@pytest.mark.parametrize(
    ("raw", "hidden"),
    [("my number is 0770 123 4567", "4567"), ("passport A12345678", "12345678"), ("رقمي ٠٧٧٠١٢٣٤٥٦٧", "0770"),
     ("write to bob.smith@example.org", "bob.smith"), ("see www.example.com/job", "example.com")],
)
def test_scrub_removes_personal_data(raw, hidden):
    assert hidden not in scrub(raw)
