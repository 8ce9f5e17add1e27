"""What a copy of the data folder gives away (issue 19): the database alone links no chat id to the person,
and what is forgotten is gone from every file, the WAL included."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.state.store import DB_NAME, SCHEMA_VERSION, State

KEY = b"a-test-key-of-at-least-32-bytes!!"
PERSON = 0x5CA3B07A12  # a Telegram id of 5 bytes: its big-endian form is unlikely in a page by chance
OTHER = PERSON + 1
SOURCE = "leaflet_marker_zq"


@pytest.fixture()
def state(tmp_path):
    s = State.open(tmp_path, key=KEY)
    yield s
    s.close()


def populate(state: State, person: int = PERSON) -> str:
    ref = state.user_ref(person)
    state.set_user(ref, lang="fr", country="CM", source=SOURCE)
    state.record_question(ref, "fr", topic="job-offer", answered=True, source=SOURCE)
    state.subscribe(ref, chat_id=person, lang="fr")
    return ref


def rows_by_table(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """The database as someone who copied it sees it: every table, its columns and rows, and no key."""
    with sqlite3.connect(path) as conn:
        tables = [name for (name,) in conn.execute("select name from sqlite_master where type = 'table'")]
        out = {}
        for table in tables:
            cursor = conn.execute(f"select * from [{table}]")
            out[table] = ([c[0] for c in cursor.description], cursor.fetchall())
    return out


def test_a_copy_of_the_database_alone_links_no_chat_id_to_anything_else_of_the_person(state, tmp_path):
    """Issue 19, finding 1 (failed before: `users` held the chat id next to language, country and source)."""
    ref = populate(state)
    populate(state, OTHER)
    state.create_alert({"*": "a warning"})  # pending deliveries hold the chat ids too
    tables = rows_by_table(tmp_path / DB_NAME)
    # Every value of every row about the person (a table with the user's reference), the reference included.
    about_person = {value for _, (columns, rows) in tables.items() if "ref" in columns
                    for row in rows if ref in row for value in row if value is not None}
    assert {ref, "fr", "CM", SOURCE} <= about_person
    holding_chat_id = [(table, columns, row) for table, (columns, rows) in tables.items()
                       for row in rows if PERSON in row]
    assert {table for table, _, _ in holding_chat_id} == {"subscriptions", "deliveries"}
    for table, columns, row in holding_chat_id:
        assert "ref" not in columns and "lang" not in columns, table
        shared = {value for value in row if value is not None} & about_person
        assert shared == set(), (table, shared)  # nothing to join on, nothing of the person beside the id
        others = [c for c, v in zip(columns, row, strict=True) if v is not None and c not in
                  {"sub", "chat_id", "alert_id", "status", "updated"}]
        assert others == [], table
    # The subscription's hash is not the reference, and matches no column of any other table.
    subs = {row[0] for row in tables["subscriptions"][1]}
    every_other_value = {v for table, (_, rows) in tables.items() if table not in ("subscriptions", "deliveries")
                         for row in rows for v in row}
    assert subs and not subs & every_other_value
    # With the key the bot still finds everything it needs to send the alert, in the person's language.
    assert state.get_user(ref)["subscribed"] is True
    assert {"ref": ref, "chat_id": PERSON, "lang": "fr"} in state.subscribers()


def test_subscriptions_have_no_insertion_order_to_match_with_users(state, tmp_path):
    """No rowid (rows kept in hash order), no timestamp: the n-th user is not the n-th subscriber."""
    for n in range(20):
        populate(state, PERSON + 10 + n)
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        sql = conn.execute("select sql from sqlite_master where name = 'subscriptions'").fetchone()[0]
        assert "without rowid" in sql.lower()
        assert [c[1] for c in conn.execute("pragma table_info(subscriptions)")] == ["sub", "chat_id"]
        subs = [s for (s,) in conn.execute("select sub from subscriptions")]
    assert subs == sorted(subs)


def test_alerts_go_only_to_the_persons_own_private_chat(state):
    with pytest.raises(ValueError, match="private chat"):
        state.subscribe(state.user_ref(PERSON), chat_id=-100123, lang="ar")  # a group's id
    assert state.subscriber_count() == 0


def test_an_alert_is_still_delivered_once_after_the_key_changed(tmp_path):
    """Deliveries name their recipient by the subscription's hash: under another key the bot cannot find the
    person's row (language unknown) but still sends the alert, and records it, exactly once."""
    first = State.open(tmp_path, key=KEY)
    populate(first)
    alert = first.create_alert({"*": "a warning", "fr": "une alerte"})
    first.close()
    other = State.open(tmp_path, key=b"another-key-also-of-32-bytes-ok!")
    [delivery] = other.pending_deliveries(alert)
    assert delivery["chat_id"] == PERSON and delivery["lang"] is None
    other.finish_delivery(alert, delivery["ref"], "sent")
    assert other.pending_deliveries(alert) == [] and other.delivery_counts(alert)["sent"] == 1
    other.close()


# -- forgotten data is gone from every file -----------------------------------------------------------------

def file_bytes(data_dir: Path) -> bytes:
    """state.db, state.db-wal and state.db-shm, read as bytes (what a disk image holds)."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob(DB_NAME + "*")))


def traces(ref: str, state: State) -> dict[str, bytes]:
    return {"ref": ref.encode(), "subscription": state.subscription_ref(ref).encode(),
            "chat id": PERSON.to_bytes(5, "big"), "source": SOURCE.encode()}


def test_secure_delete_is_on_whatever_the_build(state):
    assert state.db.execute("pragma secure_delete").fetchone()[0] == 1


def test_after_forget_nothing_of_the_person_is_in_any_file(state, tmp_path):
    """Issue 19, finding 6 (failed before: the rows stayed in state.db-wal until a checkpoint)."""
    ref = populate(state)
    populate(state, OTHER)
    state.create_alert({"*": "a warning"})
    everything = file_bytes(tmp_path)
    assert all(trace in everything for trace in traces(ref, state).values())  # the test can see them
    assert state.forget(ref)
    left = file_bytes(tmp_path)
    found = [name for name, trace in traces(ref, state).items() if trace in left and name != "source"]
    assert found == []
    assert state.user_ref(OTHER).encode() in left  # the other person is still there


def test_after_unsubscribe_the_chat_id_is_in_no_file(state, tmp_path):
    ref = populate(state)
    state.create_alert({"*": "a warning"})
    assert PERSON.to_bytes(5, "big") in file_bytes(tmp_path)
    state.unsubscribe(ref)
    left = file_bytes(tmp_path)
    assert PERSON.to_bytes(5, "big") not in left and state.subscription_ref(ref).encode() not in left


def test_after_the_retention_purge_expired_questions_are_in_no_file(state, tmp_path):
    state.queue_unanswered("une question tres particuliere zqxv", "fr")
    assert b"zqxv" in file_bytes(tmp_path)
    assert state.purge_expired(today="2999-01-01") >= 1
    assert b"zqxv" not in file_bytes(tmp_path)


# -- the migration ------------------------------------------------------------------------------------------

V3_SCHEMA = """
CREATE TABLE [users] ([ref] TEXT PRIMARY KEY, [lang] TEXT, [country] TEXT, [source] TEXT,
   [subscribed] INTEGER NOT NULL DEFAULT 0, [chat_id] INTEGER, [first_day] TEXT);
CREATE TABLE [active_days] ([day] TEXT, [ref] TEXT, PRIMARY KEY ([day], [ref]));
CREATE TABLE [counters] ([day] TEXT, [metric] TEXT, [key] TEXT, [n] INTEGER, PRIMARY KEY ([day], [metric], [key]));
CREATE TABLE [unanswered] ([id] INTEGER PRIMARY KEY, [day] TEXT, [lang] TEXT, [text] TEXT);
CREATE TABLE [alerts] ([id] INTEGER PRIMARY KEY, [created] TEXT, [digest] TEXT, [texts] TEXT, [total] INTEGER,
   [request] TEXT);
CREATE TABLE [deliveries] ([alert_id] INTEGER, [ref] TEXT, [chat_id] INTEGER, [lang] TEXT,
   [status] TEXT NOT NULL DEFAULT 'pending', [updated] TEXT, PRIMARY KEY ([alert_id], [ref]));
CREATE INDEX [idx_deliveries_alert_id_status] ON [deliveries] ([alert_id], [status]);
CREATE INDEX [idx_users_first_day] ON [users] ([first_day]);
CREATE INDEX [idx_alerts_request] ON [alerts] ([request]);
"""


def test_a_version_3_database_keeps_its_subscribers_and_alerts_but_no_chat_id_in_users(tmp_path):
    ref = State.open(tmp_path / "scratch", key=KEY).user_ref(PERSON)
    conn = sqlite3.connect(tmp_path / DB_NAME)
    conn.executescript(V3_SCHEMA)
    conn.execute("insert into users values (?, 'ar', 'IQ', 'poster', 1, ?, '2026-01-02')", [ref, PERSON])
    conn.execute("insert into alerts values (1, '2026-01-02T00:00:00+00:00', 'd', '{\"*\": \"hi\"}', 1, null)")
    conn.execute("insert into deliveries values (1, ?, ?, 'ar', 'pending', '2026-01-02T00:00:00+00:00')",
                 [ref, PERSON])
    conn.execute("pragma user_version = 3")
    conn.commit()
    conn.close()
    s = State.open(tmp_path, key=KEY)
    assert s.integrity() == {"integrity": "ok", "schema_version": SCHEMA_VERSION}
    assert set(s.db.table("users").columns_dict) == {"ref", "lang", "country", "source", "first_day"}
    assert s.get_user(ref) == {"lang": "ar", "country": "IQ", "source": "poster", "subscribed": True}
    assert s.pending_deliveries(1) == [{"ref": ref, "chat_id": PERSON, "lang": "ar"}]
    s.finish_delivery(1, ref, "sent")
    assert s.delivery_counts(1)["sent"] == 1
    s.close()
