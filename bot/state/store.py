"""The bot's own state, in one SQLite database through sqlite-utils. Nothing else writes it.

Privacy by design, because people asking may be watched by recruiters:
- users are stored under a keyed hash of their Telegram id (HMAC-SHA256; the key comes from
  SCAMBOT_HASH_KEY or is generated once into the data directory), never the raw id, name or username;
- statistics are daily counters (how many questions in Arabic, how many about a topic), not events,
  so no row says what one person asked; distinct users per day are counted from (day, hashed user)
  pairs that are deleted after the retention period;
- message text is never stored, with one exception: questions the bot could not answer, scrubbed of
  numbers, addresses, handles and links (bot/text/scrub.py), deleted after the retention period;
- a chat id is kept only for a subscriber to alerts, and only while subscribed, in a table of its own
  (`subscriptions`: the chat id and a second keyed hash, nothing else) that the database alone cannot join
  to the user's row: the subscription's hash is an HMAC of the user's reference under a key derived from
  the hashing key, so only the key links a chat id to a language, a country, a source or active days;
  an alert's delivery row holds the chat id only until that delivery is finished (sent, blocked or failed);
- `forget` deletes every row about a user, with SQLite's secure_delete on and the WAL checkpointed
  (truncated) afterwards, so forgotten data is gone from every file, not only from the tables.

The database survives a crash (WAL), carries a schema version with migrations, and never raises into a
handler: when the disk is read-only or full, writes are skipped with one warning and `degraded` is set,
so the bot keeps answering.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from bot.keys import create_private_file, load_or_create_key, make_private_dir, tighten_modes
from bot.text.scrub import scrub

log = logging.getLogger(__name__)

DB_NAME = "state.db"
SCHEMA_VERSION = 5
DEFAULT_RETENTION_DAYS = 90

T = TypeVar("T")

# The second keyed hash, of subscriptions: derived from the hashing key, so that no second secret has to be
# kept, yet a subscription's hash cannot be matched with a user's reference without the key.
_SUBSCRIPTION_KEY_LABEL = b"scambot subscription v1"


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


DELIVERY_STATUSES = ("pending", "sent", "blocked", "failed")


def _guarded(default: Any = None) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Storage errors become `degraded` plus one warning, never an exception in a handler."""

    def wrap(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def inner(self: State, *args: Any, **kwargs: Any) -> T:
            try:
                with self._lock:
                    return method(self, *args, **kwargs)
            except (sqlite3.Error, OSError) as error:
                self._mark_degraded(error)
                return default() if callable(default) else default

        return inner

    return wrap


class State:
    def __init__(self, db: sqlite_utils.Database, key: bytes, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.db = db
        self._key = key
        self.retention_days = retention_days
        self._sub_key = hmac.new(key, _SUBSCRIPTION_KEY_LABEL, hashlib.sha256).digest()
        self._lock = threading.RLock()
        self.degraded = False
        self.degraded_reason = ""
        try:
            # Deleted rows are overwritten with zeros, whatever the SQLite build's default (SECURE_DELETE is a
            # compile-time option): without it a forgotten row stays readable in the file's free pages.
            self.db.execute("pragma secure_delete = on")
            # `sub(ref)` in SQL, for the statements that match subscriptions with users (purge, migration).
            self.db.conn.create_function("scambot_sub", 1, self.subscription_ref, deterministic=True)
            self._migrate()
        except (sqlite3.Error, OSError) as error:
            self._mark_degraded(error)

    @classmethod
    def open(cls, data_dir: Path, retention_days: int = DEFAULT_RETENTION_DAYS, key: bytes | None = None) -> State:
        """The state database in `data_dir`; an in-memory one, marked degraded, when that cannot be written.

        `key` is the configured hashing key (SCAMBOT_HASH_KEY); without one, the data directory's own."""
        key = load_or_create_key(data_dir, key)
        try:
            make_private_dir(data_dir)
            create_private_file(data_dir / DB_NAME)
            conn = sqlite3.connect(data_dir / DB_NAME, check_same_thread=False, timeout=10)
            conn.execute("pragma journal_mode=wal")
            conn.execute("pragma synchronous=normal")  # WAL + normal: durable across a process crash
            tighten_modes(data_dir)  # a folder or files made before 0700/0600 (one log line if any)
            state = cls(sqlite_utils.Database(conn), key, retention_days)
            if not state.degraded:
                return state
            reason = state.degraded_reason
        except (sqlite3.Error, OSError) as error:
            reason = str(error)
        memory = cls(sqlite_utils.Database(memory=True), key, retention_days)
        memory._mark_degraded(reason)
        return memory

    def _mark_degraded(self, error: object) -> None:
        if not self.degraded:
            log.warning("state storage unavailable (%s): statistics and preferences are not saved", error)
        self.degraded = True
        self.degraded_reason = str(error)

    # -- schema --------------------------------------------------------------------------------
    def _migrate(self) -> None:
        """Bring the schema to SCHEMA_VERSION, one step at a time, keeping the data."""
        version = self.db.execute("pragma user_version").fetchone()[0]
        steps = {1: self._schema_v1, 2: self._schema_v2, 3: self._schema_v3, 4: self._schema_v4,
                 5: self._schema_v5}
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.conn:
                steps[target]()
                self.db.execute(f"pragma user_version = {target}")
        if 0 < version < 5:  # chat ids moved out of `users`: their old copies must leave the WAL too
            self._checkpoint()

    def _schema_v1(self) -> None:
        self.db.table("users").create(
            {"ref": str, "lang": str, "country": str, "source": str, "subscribed": int, "chat_id": int,
             "first_day": str},
            pk="ref", not_null={"subscribed"}, defaults={"subscribed": 0}, if_not_exists=True,
        )
        self.db.table("active_days").create({"day": str, "ref": str}, pk=("day", "ref"), if_not_exists=True)
        self.db.table("counters").create(
            {"day": str, "metric": str, "key": str, "n": int}, pk=("day", "metric", "key"), if_not_exists=True
        )
        self.db.table("unanswered").create(
            {"id": int, "day": str, "lang": str, "text": str}, pk="id", if_not_exists=True
        )

    def _schema_v2(self) -> None:
        """Alerts to subscribers and their deliveries, so that an interrupted broadcast can resume.

        `deliveries` has a `ref` column on purpose: `forget` clears every table with one.
        """
        self.db.table("alerts").create(
            {"id": int, "created": str, "digest": str, "texts": str, "total": int}, pk="id", if_not_exists=True
        )
        self.db.table("deliveries").create(
            {"alert_id": int, "ref": str, "chat_id": int, "lang": str, "status": str, "updated": str},
            pk=("alert_id", "ref"), not_null={"status"}, defaults={"status": "pending"}, if_not_exists=True,
        )
        self.db.table("deliveries").create_index(["alert_id", "status"], if_not_exists=True)
        # Statistics count new users per day and source from the users table.
        self.db.table("users").create_index(["first_day"], if_not_exists=True)

    def _schema_v3(self) -> None:
        """An alert remembers the request that made it (a keyed hash of the admin's chat and message), so a
        `/broadcast` handled again after a crash (updates are delivered at least once) makes no second alert."""
        self.db.table("alerts").add_column("request", str)
        self.db.table("alerts").create_index(["request"], if_not_exists=True)

    def _schema_v4(self) -> None:
        """Reserved for pace (issue 18); the lead resolves the merge. Nothing to do."""

    def _schema_v5(self) -> None:
        """Subscriptions leave `users` (issue 19): a row holding a chat id must not hold, or point to, the
        person's language, country, source or active days.

        `subscriptions` has the subscription's keyed hash (see `subscription_ref`) and the chat id, nothing
        else, and no rowid (rows stored in hash order: no insertion order to match with `users`); a
        delivery names its recipient by that hash instead of the user's reference, and keeps no language
        (read from `users` through the key when sending). A subscription whose chat is not the person's
        own private chat (a group, before /subscribe was limited to private chats) is not kept.
        """
        self.db.execute("create table if not exists subscriptions (sub text primary key, chat_id integer not null)"
                        " without rowid")
        users = self.db.table("users").columns_dict
        if "chat_id" in users:
            moved = [(self.subscription_ref(row["ref"]), row["chat_id"]) for row in self.db.query(
                "select ref, chat_id from users where subscribed = 1 and chat_id is not null")
                if self.user_ref(row["chat_id"]) == row["ref"]]
            self.db.conn.executemany("insert or replace into subscriptions (sub, chat_id) values (?, ?)", moved)
            self.db.execute("alter table users drop column chat_id")
            self.db.execute("alter table users drop column subscribed")
        self.db.execute(
            "create table deliveries_v5 (alert_id integer, sub text, chat_id integer, "
            "status text not null default 'pending', updated text, primary key (alert_id, sub))")
        if self.db.table("deliveries").exists():
            self.db.execute("insert or ignore into deliveries_v5 (alert_id, sub, chat_id, status, updated) "
                            "select alert_id, scambot_sub(ref), chat_id, status, updated from deliveries")
            self.db.execute("drop table deliveries")
        self.db.execute("alter table deliveries_v5 rename to deliveries")
        self.db.execute("create index if not exists idx_deliveries_alert_id_status on deliveries (alert_id, status)")

    def _checkpoint(self) -> None:
        """Copy the WAL into the database and empty it, so deleted rows survive in neither file."""
        self.db.execute("pragma wal_checkpoint(truncate)")

    # -- users ---------------------------------------------------------------------------------
    def user_ref(self, telegram_user_id: int) -> str:
        """A keyed hash of the id: stable for this deployment, useless without the key."""
        return hmac.new(self._key, str(int(telegram_user_id)).encode(), hashlib.sha256).hexdigest()[:32]

    def subscription_ref(self, ref: str) -> str:
        """The subscription's name for a user reference: a second keyed hash, so that the database alone
        cannot say which user row a subscription (and its chat id) belongs to."""
        return hmac.new(self._sub_key, str(ref).encode(), hashlib.sha256).hexdigest()[:32]

    def _is_subscribed(self, ref: str) -> bool:
        return self.db.execute("select 1 from subscriptions where sub = ?",
                               [self.subscription_ref(ref)]).fetchone() is not None

    @_guarded()
    def get_user(self, ref: str) -> dict | None:
        rows = list(self.db.query("select lang, country, source from users where ref = ?", [ref]))
        if not rows:
            return None
        return {**rows[0], "subscribed": self._is_subscribed(ref)}

    @_guarded()
    def set_user(self, ref: str, *, lang: str | None = None, country: str | None = None,
                 source: str | None = None) -> None:
        """Create the user if new; change only the fields given."""
        changes = {k: v for k, v in (("lang", lang), ("country", country), ("source", source)) if v is not None}
        with self.db.conn:
            self.db.execute(
                "insert into users (ref, first_day) values (?, ?) on conflict(ref) do nothing",
                [ref, _today()],
            )
            if changes:
                self.db.table("users").update(ref, changes)

    # -- anonymous counts ----------------------------------------------------------------------
    def _count(self, metric: str, key: str, day: str) -> None:
        self.db.execute(
            "insert into counters (day, metric, key, n) values (?, ?, ?, 1) "
            "on conflict(day, metric, key) do update set n = n + 1",
            [day, metric, key],
        )

    def _active(self, ref: str | None, day: str) -> None:
        if ref:
            self.db.execute("insert or ignore into active_days (day, ref) values (?, ?)", [day, ref])

    @_guarded()
    def record_question(self, ref: str | None, lang: str, topic: str | None = None, answered: bool = False,
                        source: str | None = None) -> None:
        day = _today()
        with self.db.conn:
            self._active(ref, day)
            self._count("questions", lang, day)
            self._count("answered" if answered else "unanswered", lang, day)
            if topic:
                self._count("topic", topic, day)
            if source:
                self._count("source", source, day)

    @_guarded()
    def record_check(self, ref: str | None, lang: str, risk: str, signs: tuple[str, ...] | list[str] = ()) -> None:
        day = _today()
        with self.db.conn:
            self._active(ref, day)
            self._count("checks", lang, day)
            self._count("risk", risk, day)
            for sign in set(signs):
                self._count("sign", sign, day)

    # -- the review queue ----------------------------------------------------------------------
    @_guarded()
    def queue_unanswered(self, text: str, lang: str) -> None:
        cleaned = scrub(text)
        if cleaned:
            with self.db.conn:
                self.db.table("unanswered").insert({"day": _today(), "lang": lang, "text": cleaned})

    @_guarded(default=list)
    def unanswered(self) -> list[dict]:
        return list(self.db.query("select id, day, lang, text from unanswered order by id"))

    @_guarded(default=0)
    def purge_expired(self, today: str | None = None) -> int:
        removed = self._purge_expired(today)
        if removed:
            self._checkpoint()
        return removed

    def _purge_expired(self, today: str | None = None) -> int:
        """Delete queued questions, active-day pairs, finished deliveries and inactive users past retention."""
        now = datetime.fromisoformat(today).date() if today else datetime.now(UTC).date()
        cutoff = (now - timedelta(days=self.retention_days)).isoformat()
        with self.db.conn:
            removed = self.db.execute("delete from unanswered where day < ?", [cutoff]).rowcount
            removed += self.db.execute("delete from active_days where day < ?", [cutoff]).rowcount
            # Finished deliveries link a hashed user to an alert; they are not needed once old.
            removed += self.db.execute(
                "delete from deliveries where status != 'pending' and updated < ?", [cutoff]
            ).rowcount
            # Someone who stopped using the bot should not stay on record for ever: a user neither subscribed
            # nor active within the retention period is forgotten (their next message starts afresh).
            removed += self.db.execute(
                "delete from users where first_day < ? and ref not in (select ref from active_days) "
                "and scambot_sub(ref) not in (select sub from subscriptions)", [cutoff]
            ).rowcount
        return removed

    # -- alerts --------------------------------------------------------------------------------
    @_guarded()
    def subscribe(self, ref: str, chat_id: int, lang: str | None = None) -> None:
        """Alerts for this person in their own private chat (whose id is their user id: `ref` is its hash).

        Another chat is refused (ValueError): the language of an alert is read from the person's row, which
        only the key can find from the chat id, and /subscribe is offered in private chats only."""
        if self.user_ref(chat_id) != ref:
            raise ValueError("alerts go to the person's own private chat only")
        self.set_user(ref, lang=lang)
        with self.db.conn:
            self.db.execute("insert or replace into subscriptions (sub, chat_id) values (?, ?)",
                            [self.subscription_ref(ref), int(chat_id)])

    @_guarded()
    def unsubscribe(self, ref: str) -> None:
        with self.db.conn:
            removed = self._unsubscribe(self.subscription_ref(ref))
        if removed:
            self._checkpoint()

    def _unsubscribe(self, sub: str) -> int:
        # An alert still queued for this person is not sent, and no delivery row keeps the chat id.
        removed = self.db.execute("delete from subscriptions where sub = ?", [sub]).rowcount
        removed += self.db.execute("delete from deliveries where sub = ? and status = 'pending'", [sub]).rowcount
        removed += self.db.execute("update deliveries set chat_id = null where sub = ? and chat_id is not null",
                                   [sub]).rowcount
        return removed

    def _recipient(self, sub: str, chat_id: int) -> dict:
        """A subscriber as the senders see them: reference, chat id, language (from `users`, through the key).

        `ref` is the person's reference when the key finds it from the chat id; after a change of key it is
        the subscription's own hash (and the language unknown), which `finish_delivery` takes as well, so an
        alert is still delivered once."""
        ref = self.user_ref(chat_id)
        if self.subscription_ref(ref) != sub:
            return {"ref": sub, "chat_id": chat_id, "lang": None}
        row = self.db.execute("select lang from users where ref = ?", [ref]).fetchone()
        return {"ref": ref, "chat_id": chat_id, "lang": row[0] if row else None}

    @_guarded(default=list)
    def subscribers(self) -> list[dict]:
        """[{"ref", "chat_id", "lang"}] of every subscriber, by ref (the shape it had before schema v5)."""
        rows = [self._recipient(sub, chat_id)
                for sub, chat_id in self.db.execute("select sub, chat_id from subscriptions")]
        return sorted(rows, key=lambda row: row["ref"])

    @_guarded(default=0)
    def subscriber_count(self) -> int:
        return self.db.execute("select count(*) from subscriptions").fetchone()[0]

    @_guarded()
    def create_alert(self, texts: dict[str, str], digest: str = "", request: str | None = None) -> int | None:
        """Store an alert and one pending delivery per current subscriber, in one transaction.

        The recipients are a snapshot: who subscribes later does not get this alert, who unsubscribes
        before their turn does not either (`unsubscribe` drops the pending row). With `request` (see
        `request_ref`), an alert already made for the same request is returned instead of a second one.
        """
        with self.db.conn:
            earlier = self._alert_id_for(request) if request else None
            if earlier is not None:
                return earlier
            cursor = self.db.execute(
                "insert into alerts (created, digest, texts, total, request) values (?, ?, ?, 0, ?)",
                [_now(), digest, json.dumps(texts, ensure_ascii=False, sort_keys=True), request],
            )
            alert_id = cursor.lastrowid
            total = self.db.execute(
                "insert into deliveries (alert_id, sub, chat_id, status, updated) "
                "select ?, sub, chat_id, 'pending', ? from subscriptions",
                [alert_id, _now()],
            ).rowcount
            self.db.execute("update alerts set total = ? where id = ?", [total, alert_id])
        return alert_id

    @_guarded()
    def alert_for_request(self, request: str) -> int | None:
        """The alert made for this request (see `request_ref`), if any."""
        return self._alert_id_for(request)

    def _alert_id_for(self, request: str) -> int | None:
        row = self.db.execute("select id from alerts where request = ?", [request]).fetchone()
        return row[0] if row else None

    def request_ref(self, chat_id: int, message_id: int) -> str:
        """A keyed hash naming one admin message: the same message handled twice gives the same value."""
        name = f"request:{int(chat_id)}:{int(message_id)}".encode()
        return hmac.new(self._key, name, hashlib.sha256).hexdigest()[:32]

    @_guarded()
    def get_alert(self, alert_id: int) -> dict | None:
        rows = list(self.db.query("select id, created, digest, texts, total from alerts where id = ?", [alert_id]))
        if not rows:
            return None
        return {**rows[0], "texts": json.loads(rows[0]["texts"])}

    @_guarded(default=list)
    def pending_alerts(self, digest: str | None = None) -> list[int]:
        """Alerts with deliveries still pending, oldest first (optionally only those with this digest)."""
        sql = ("select distinct a.id from alerts a join deliveries d on d.alert_id = a.id "
               "where d.status = 'pending'" + (" and a.digest = ?" if digest is not None else "") + " order by a.id")
        return [row["id"] for row in self.db.query(sql, [digest] if digest is not None else [])]

    @_guarded(default=list)
    def pending_deliveries(self, alert_id: int) -> list[dict]:
        """[{"ref", "chat_id", "lang"}], by ref: `ref` is what `finish_delivery` takes; the language is the
        person's current one."""
        rows = [self._recipient(sub, chat_id) for sub, chat_id in self.db.execute(
            "select sub, chat_id from deliveries where alert_id = ? and status = 'pending' and chat_id is not null",
            [alert_id])]
        return sorted(rows, key=lambda row: row["ref"])

    @_guarded(default=dict)
    def delivery_counts(self, alert_id: int) -> dict[str, int]:
        counts = dict.fromkeys(DELIVERY_STATUSES, 0)
        for row in self.db.query(
            "select status, count(*) as n from deliveries where alert_id = ? group by status", [alert_id]
        ):
            counts[row["status"]] = row["n"]
        return counts

    def finish_delivery(self, alert_id: int, ref: str, status: str) -> None:
        """Record the outcome of one delivery and commit at once; the chat id is no longer needed.

        Not guarded on purpose: if the outcome of a message Telegram accepted cannot be recorded, the
        broadcast must stop rather than risk sending it again on resume.
        """
        if status not in DELIVERY_STATUSES[1:]:
            raise ValueError(f"unknown final status {status!r}")
        with self._lock, self.db.conn:
            for sub in (self.subscription_ref(ref), ref):  # a reference, or a subscription hash (`_recipient`)
                if self.db.execute(
                    "update deliveries set status = ?, chat_id = null, updated = ? "
                    "where alert_id = ? and sub = ? and status = 'pending'",
                    [status, _now(), alert_id, sub],
                ).rowcount:
                    break
            if status == "blocked":  # the person blocked the bot: stop alerting them
                self._unsubscribe(sub)

    # -- forgetting ----------------------------------------------------------------------------
    @_guarded(default=dict)
    def forget(self, ref: str) -> dict[str, int]:
        """Delete every row about the user; say how many of each kind went."""
        deleted: dict[str, int] = {}
        sub = self.subscription_ref(ref)
        with self.db.conn:
            for table in self.tables_with_user_ref():
                columns = self.db.table(table).columns_dict
                column, value = ("ref", ref) if "ref" in columns else ("sub", sub)
                count = self.db.execute(f"delete from [{table}] where [{column}] = ?", [value]).rowcount
                if count:
                    deleted[table] = count
        if deleted:
            self._checkpoint()
        return deleted

    def tables_with_user_ref(self) -> list[str]:
        """Every table with a `ref` or `sub` column (the user's reference, or its subscription hash): what
        `forget` must clear (new tables are covered too)."""
        return [t.name for t in self.db.tables if {"ref", "sub"} & set(t.columns_dict)]

    # -- reading counters (statistics) ---------------------------------------------------------
    @_guarded(default=list)
    def counter_rows(self, since: str | None = None) -> list[dict]:
        sql = "select day, metric, key, n from counters"
        if since:
            return list(self.db.query(sql + " where day >= ? order by day", [since]))
        return list(self.db.query(sql + " order by day"))

    @_guarded(default=list)
    def active_users_by_day(self, since: str | None = None) -> list[dict]:
        where, args = (" where day >= ?", [since]) if since else ("", [])
        return list(self.db.query(
            f"select day, count(*) as users from active_days{where} group by day order by day", args
        ))

    @_guarded(default=0)
    def active_users_total(self, since: str | None = None) -> int:
        """Distinct users active since `since` (hashes, counted, never listed)."""
        where, args = (" where day >= ?", [since]) if since else ("", [])
        return self.db.execute(f"select count(distinct ref) from active_days{where}", args).fetchone()[0]

    @_guarded(default=list)
    def new_user_rows(self, since: str | None = None) -> list[dict]:
        """New users counted per first day, language, country and source: aggregates, no refs."""
        where, args = (" where first_day >= ?", [since]) if since else ("", [])
        return list(self.db.query(
            "select first_day as day, lang, country, source, count(*) as n from users"
            f"{where} group by first_day, lang, country, source order by first_day",
            args,
        ))

    @_guarded(default=dict)
    def integrity(self) -> dict[str, Any]:
        return {"integrity": self.db.execute("pragma integrity_check").fetchone()[0],
                "schema_version": self.db.execute("pragma user_version").fetchone()[0]}

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
