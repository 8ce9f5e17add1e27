"""The bot's own state, in one SQLite database through sqlite-utils. Nothing else writes it.

Privacy by design, because people asking may be watched by recruiters:
- users are stored under a keyed hash of their Telegram id (HMAC-SHA256; the key comes from
  SCAMBOT_HASH_KEY or is generated once into the data directory), never the raw id, name or username;
- statistics are daily counters (how many questions in Arabic, how many about a topic), not events,
  so no row says what one person asked; distinct users per day are counted from (day, hashed user)
  pairs that are deleted after the retention period;
- message text is never stored, with one exception: questions the bot could not answer, scrubbed of
  numbers, addresses, handles and links (bot/scrub.py), deleted after the retention period;
- a chat id is kept only for a subscriber to alerts, and only while subscribed;
- `forget` deletes every row about a user.

The database survives a crash (WAL), carries a schema version with migrations, and never raises into a
handler: when the disk is read-only or full, writes are skipped with one warning and `degraded` is set,
so the bot keeps answering.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import sqlite_utils

from bot.scrub import scrub

log = logging.getLogger(__name__)

DB_NAME = "state.db"
KEY_NAME = "hash.key"
SCHEMA_VERSION = 1
DEFAULT_RETENTION_DAYS = 90

T = TypeVar("T")


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


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


def load_or_create_key(data_dir: Path) -> bytes:
    """The hashing key: SCAMBOT_HASH_KEY, else data_dir/hash.key, generated once (owner-only)."""
    from_env = os.environ.get("SCAMBOT_HASH_KEY")
    if from_env:
        return from_env.encode("utf-8")
    path = data_dir / KEY_NAME
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex())
    except FileExistsError:  # another process created it first: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as error:
        # A read-only disk: hashes stay consistent for this run only; nothing is stored anyway.
        log.warning("cannot store the hashing key in %s (%s); using a key for this run only", data_dir, error)
    return key


class State:
    def __init__(self, db: sqlite_utils.Database, key: bytes, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.db = db
        self._key = key
        self.retention_days = retention_days
        self._lock = threading.RLock()
        self.degraded = False
        self.degraded_reason = ""
        try:
            self._migrate()
        except (sqlite3.Error, OSError) as error:
            self._mark_degraded(error)

    @classmethod
    def open(cls, data_dir: Path, retention_days: int = DEFAULT_RETENTION_DAYS) -> State:
        """The state database in `data_dir`; an in-memory one, marked degraded, when that cannot be written."""
        key = load_or_create_key(data_dir)
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(data_dir / DB_NAME, check_same_thread=False, timeout=10)
            conn.execute("pragma journal_mode=wal")
            conn.execute("pragma synchronous=normal")  # WAL + normal: durable across a process crash
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
        steps = {1: self._schema_v1}
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.db.conn:
                steps[target]()
                self.db.execute(f"pragma user_version = {target}")

    def _schema_v1(self) -> None:
        self.db["users"].create(
            {"ref": str, "lang": str, "country": str, "source": str, "subscribed": int, "chat_id": int,
             "first_day": str},
            pk="ref", not_null={"subscribed"}, defaults={"subscribed": 0}, if_not_exists=True,
        )
        self.db["active_days"].create({"day": str, "ref": str}, pk=("day", "ref"), if_not_exists=True)
        self.db["counters"].create(
            {"day": str, "metric": str, "key": str, "n": int}, pk=("day", "metric", "key"), if_not_exists=True
        )
        self.db["unanswered"].create(
            {"id": int, "day": str, "lang": str, "text": str}, pk="id", if_not_exists=True
        )

    # -- users ---------------------------------------------------------------------------------
    def user_ref(self, telegram_user_id: int) -> str:
        """A keyed hash of the id: stable for this deployment, useless without the key."""
        return hmac.new(self._key, str(int(telegram_user_id)).encode(), hashlib.sha256).hexdigest()[:32]

    @_guarded()
    def get_user(self, ref: str) -> dict | None:
        rows = list(self.db.query("select lang, country, source, subscribed from users where ref = ?", [ref]))
        if not rows:
            return None
        row = rows[0]
        return {**row, "subscribed": bool(row["subscribed"])}

    @_guarded()
    def set_user(self, ref: str, *, lang: str | None = None, country: str | None = None,
                 source: str | None = None) -> None:
        """Create the user if new; change only the fields given."""
        changes = {k: v for k, v in (("lang", lang), ("country", country), ("source", source)) if v is not None}
        with self.db.conn:
            self.db.execute(
                "insert into users (ref, subscribed, first_day) values (?, 0, ?) on conflict(ref) do nothing",
                [ref, _today()],
            )
            if changes:
                self.db["users"].update(ref, changes)

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
                self.db["unanswered"].insert({"day": _today(), "lang": lang, "text": cleaned})

    @_guarded(default=list)
    def unanswered(self) -> list[dict]:
        return list(self.db.query("select id, day, lang, text from unanswered order by id"))

    @_guarded(default=0)
    def purge_expired(self, today: str | None = None) -> int:
        """Delete queued questions and active-day pairs older than the retention period."""
        now = datetime.fromisoformat(today).date() if today else datetime.now(UTC).date()
        cutoff = (now - timedelta(days=self.retention_days)).isoformat()
        with self.db.conn:
            removed = self.db.execute("delete from unanswered where day < ?", [cutoff]).rowcount
            removed += self.db.execute("delete from active_days where day < ?", [cutoff]).rowcount
        return removed

    # -- alerts --------------------------------------------------------------------------------
    @_guarded()
    def subscribe(self, ref: str, chat_id: int, lang: str | None = None) -> None:
        self.set_user(ref, lang=lang)
        with self.db.conn:
            self.db["users"].update(ref, {"subscribed": 1, "chat_id": int(chat_id)})

    @_guarded()
    def unsubscribe(self, ref: str) -> None:
        with self.db.conn:
            self.db.execute("update users set subscribed = 0, chat_id = null where ref = ?", [ref])

    @_guarded(default=list)
    def subscribers(self) -> list[dict]:
        return list(self.db.query("select ref, chat_id, lang from users where subscribed = 1 order by ref"))

    # -- forgetting ----------------------------------------------------------------------------
    @_guarded(default=dict)
    def forget(self, ref: str) -> dict[str, int]:
        """Delete every row about the user; say how many of each kind went."""
        deleted: dict[str, int] = {}
        with self.db.conn:
            for table in self.tables_with_user_ref():
                count = self.db.execute(f"delete from [{table}] where ref = ?", [ref]).rowcount
                if count:
                    deleted[table] = count
        return deleted

    def tables_with_user_ref(self) -> list[str]:
        """Every table that has a `ref` column: what `forget` must clear (new tables are covered too)."""
        return [t.name for t in self.db.tables if "ref" in t.columns_dict]

    # -- reading counters (statistics) ---------------------------------------------------------
    @_guarded(default=list)
    def counter_rows(self, since: str | None = None) -> list[dict]:
        sql = "select day, metric, key, n from counters"
        if since:
            return list(self.db.query(sql + " where day >= ? order by day", [since]))
        return list(self.db.query(sql + " order by day"))

    @_guarded(default=list)
    def active_users_by_day(self) -> list[dict]:
        return list(self.db.query("select day, count(*) as users from active_days group by day order by day"))

    @_guarded(default=dict)
    def integrity(self) -> dict[str, Any]:
        return {"integrity": self.db.execute("pragma integrity_check").fetchone()[0],
                "schema_version": self.db.execute("pragma user_version").fetchone()[0]}

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
