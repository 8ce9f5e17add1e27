"""The bot's state: hashed users, anonymous counts, a scrubbed review queue, forgetting everything."""

from __future__ import annotations

import os
import sqlite3

import pytest
import sqlite_utils

from bot.state.store import DB_NAME, SCHEMA_VERSION, State
from bot.text.scrub import scrub

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


def test_retention_forgets_users_inactive_for_the_whole_period_unless_subscribed(state):
    gone, active, subscribed, new = (state.user_ref(RAW_ID + n) for n in range(4))
    for ref in (gone, active, subscribed):
        state.set_user(ref, lang="ar", source="poster")
    state.subscribe(subscribed, chat_id=RAW_ID + 2, lang="ar")
    state.db.execute("update users set first_day = '2000-01-01'")
    state.record_question(active, "ar")  # active today
    state.set_user(new, lang="en")  # first seen today, nothing asked yet
    state.purge_expired()
    assert state.get_user(gone) is None
    assert all(state.get_user(ref) is not None for ref in (active, subscribed, new))


def test_forget_leaves_nothing_about_the_user(state):
    ref = state.user_ref(RAW_ID)
    other = state.user_ref(RAW_ID + 1)
    state.set_user(ref, lang="fr", country="CM", source="poster")
    state.subscribe(ref, chat_id=RAW_ID, lang="fr")
    state.record_question(ref, "fr", topic="job-offer", answered=True)
    state.set_user(other, lang="en")
    deleted = state.forget(ref)
    assert deleted == {"users": 1, "active_days": 1, "subscriptions": 1}
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
    assert state.integrity() == {"integrity": "ok", "schema_version": SCHEMA_VERSION}


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


# -- schema v2: alerts and deliveries -------------------------------------------------------------------

# The version 1 schema exactly as it shipped, frozen here: migrations must keep such databases working.
V1_SCHEMA = """
CREATE TABLE [users] ([ref] TEXT PRIMARY KEY, [lang] TEXT, [country] TEXT, [source] TEXT,
   [subscribed] INTEGER NOT NULL DEFAULT 0, [chat_id] INTEGER, [first_day] TEXT);
CREATE TABLE [active_days] ([day] TEXT, [ref] TEXT, PRIMARY KEY ([day], [ref]));
CREATE TABLE [counters] ([day] TEXT, [metric] TEXT, [key] TEXT, [n] INTEGER, PRIMARY KEY ([day], [metric], [key]));
CREATE TABLE [unanswered] ([id] INTEGER PRIMARY KEY, [day] TEXT, [lang] TEXT, [text] TEXT);
"""


def test_a_version_1_database_opens_at_the_current_version_with_its_data(tmp_path, monkeypatch):
    key = b"k" * 32
    r1, r2 = (State(sqlite_utils.Database(memory=True), key).user_ref(n) for n in (555, 556))
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.executescript(V1_SCHEMA)
    conn.execute("insert into users values (?, 'ar', 'IQ', 'poster', 1, 555, '2026-01-02')", [r1])
    conn.execute("insert into users values (?, 'en', null, null, 0, null, '2026-01-03')", [r2])
    # subscribed from a group before /subscribe was limited to private chats: not kept (schema v5)
    conn.execute("insert into users values ('r3', 'fr', null, null, 1, -100777, '2026-01-03')")
    conn.execute("insert into active_days values ('2026-01-02', ?)", [r1])
    conn.execute("insert into counters values ('2026-01-02', 'questions', 'ar', 7)")
    conn.execute("insert into unanswered (day, lang, text) values ('2026-01-02', 'ar', 'a question')")
    conn.execute("pragma user_version = 1")
    conn.commit()
    conn.close()

    s = State.open(tmp_path, key=key)
    assert not s.degraded
    assert s.integrity() == {"integrity": "ok", "schema_version": SCHEMA_VERSION}
    assert s.get_user(r1) == {"lang": "ar", "country": "IQ", "source": "poster", "subscribed": True}
    assert s.get_user("r3")["subscribed"] is False
    assert s.subscribers() == [{"ref": r1, "chat_id": 555, "lang": "ar"}]
    assert s.counter_rows() == [{"day": "2026-01-02", "metric": "questions", "key": "ar", "n": 7}]
    assert [r["text"] for r in s.unanswered()] == ["a question"]
    assert s.active_users_by_day() == [{"day": "2026-01-02", "users": 1}]
    # and the new tables work on the migrated data
    alert = s.create_alert({"*": "hello"})
    assert s.pending_deliveries(alert) == [{"ref": r1, "chat_id": 555, "lang": "ar"}]
    s.close()
    again = State.open(tmp_path, key=key)  # opening again runs no migration twice
    assert again.integrity()["schema_version"] == SCHEMA_VERSION and again.pending_alerts() == [alert]


def test_one_alert_per_request_however_often_it_is_handled(state):
    state.subscribe(state.user_ref(1), chat_id=1, lang="ar")
    chat = 987654321  # long enough that a hex digest holding its digits by chance is not a worry (~1e-9)
    request = state.request_ref(chat_id=chat, message_id=7)
    assert request == state.request_ref(chat, 7) and request != state.request_ref(chat, 8)
    assert str(chat) not in request  # a keyed hash, not the ids
    first = state.create_alert({"*": "warning"}, request=request)
    assert state.alert_for_request(request) == first
    assert state.create_alert({"*": "warning"}, request=request) == first  # handled again: the same alert
    assert len(state.pending_deliveries(first)) == 1 and state.pending_alerts() == [first]
    other = state.create_alert({"*": "warning"}, request=state.request_ref(chat, 8))  # a new message: a new alert
    assert other != first and state.pending_alerts() == [first, other]


def test_alert_recipients_are_a_snapshot_of_subscribers(state):
    a, b, c = (state.user_ref(i) for i in (1, 2, 3))
    state.subscribe(a, chat_id=1, lang="ar")
    state.subscribe(b, chat_id=2, lang="en")
    state.set_user(c, lang="fr")  # not subscribed
    alert = state.create_alert({"*": "warning"}, digest="d1")
    state.subscribe(c, chat_id=3, lang="fr")  # too late for this alert
    assert {d["chat_id"] for d in state.pending_deliveries(alert)} == {1, 2}
    assert state.get_alert(alert)["texts"] == {"*": "warning"} and state.get_alert(alert)["total"] == 2
    assert state.pending_alerts() == [alert] and state.pending_alerts("d1") == [alert]
    assert state.pending_alerts("other") == []


def test_finished_delivery_forgets_the_chat_id_and_blocked_unsubscribes(state):
    a, b = state.user_ref(RAW_ID), state.user_ref(RAW_ID + 1)
    state.subscribe(a, chat_id=RAW_ID, lang="ar")
    state.subscribe(b, chat_id=RAW_ID + 1, lang="en")
    alert = state.create_alert({"*": "warning"})
    state.finish_delivery(alert, a, "sent")
    state.finish_delivery(alert, b, "blocked")
    assert state.delivery_counts(alert) == {"pending": 0, "sent": 1, "blocked": 1, "failed": 0}
    assert state.pending_alerts() == []
    assert str(RAW_ID + 1) not in dump(state)  # the blocked user's chat id is gone everywhere
    assert state.get_user(b)["subscribed"] is False
    assert [s["ref"] for s in state.subscribers()] == [a]
    state.finish_delivery(alert, a, "failed")  # a final status is never overwritten
    assert state.delivery_counts(alert)["sent"] == 1


def test_unsubscribing_drops_pending_alerts(state):
    ref = state.user_ref(RAW_ID)
    state.subscribe(ref, chat_id=RAW_ID, lang="en")
    alert = state.create_alert({"*": "warning"})
    state.unsubscribe(ref)
    assert state.pending_deliveries(alert) == [] and str(RAW_ID) not in dump(state)


def test_forget_clears_deliveries_too(state):
    ref = state.user_ref(RAW_ID)
    state.subscribe(ref, chat_id=RAW_ID, lang="fr")
    first = state.create_alert({"*": "one"})
    state.finish_delivery(first, ref, "sent")
    state.create_alert({"*": "two"})  # still pending
    assert "deliveries" in state.tables_with_user_ref()
    assert state.forget(ref) == {"users": 1, "deliveries": 2, "subscriptions": 1}
    assert ref not in dump(state) and str(RAW_ID) not in dump(state)


def test_retention_deletes_old_finished_deliveries(state):
    ref = state.user_ref(1)
    state.subscribe(ref, chat_id=1, lang="en")
    alert = state.create_alert({"*": "x"})
    state.finish_delivery(alert, ref, "sent")
    state.db.execute("update deliveries set updated = '2000-01-01T00:00:00+00:00'")
    state.purge_expired()
    assert state.delivery_counts(alert)["sent"] == 0


def test_new_users_are_counted_per_day_and_source_without_refs(state):
    for i in range(3):
        state.set_user(state.user_ref(i), lang="ar", source="poster")
    state.set_user(state.user_ref(9), lang="en")
    rows = state.new_user_rows()
    assert sorted((r["lang"], r["source"], r["n"]) for r in rows) == [("ar", "poster", 3), ("en", None, 1)]
    assert all("ref" not in r for r in rows)
