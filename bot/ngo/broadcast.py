"""Alerts to subscribers: an NGO admin warns everyone who opted in (/subscribe) about a new scam.

Delivery is resumable and sends no one the same alert twice:
- `create_alert` stores the alert and one *pending* delivery per subscriber (a snapshot, one transaction);
- `deliver` sends the pending ones and marks each *sent* (or *blocked* / *failed*) in its own commit
  immediately after Telegram answers, so a crash loses at most the messages in flight;
- a restart calls `deliver` again (or `scambot broadcast FILE` again with the same file): only the
  still-pending deliveries are sent.

The one window that cannot be closed: the process is killed (SIGKILL, power loss) after Telegram
accepted a message and before its "sent" commit. That message is sent again on resume. The window is
the time to read Telegram's answer plus one SQLite commit (well under a millisecond locally), for at
most `concurrency` messages in flight. SIGINT/SIGTERM in `scambot broadcast` stop gracefully instead
(messages in flight finish and are recorded, nothing new starts), and a network error after Telegram
received a request (a timeout reading its answer) is retried, which can also duplicate that one
message: the Bot API has no idempotency key.

Telegram allows about 30 messages per second per bot; we default to 25 overall, pause everyone for
the server's retry_after on a 429, retry 5xx and network errors with exponential backoff, and unsubscribe
people who blocked the bot (403), as they asked not to hear from it.

This module knows nothing of Telegram: it sends through a `TextSender` (the interface it needs, defined
here) that the Telegram adapter implements (bot/telegram/alerts.py) and tests fake in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import fcntl
import hashlib
import json
import logging
import os
import random
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bot.models import LANGUAGES

log = logging.getLogger(__name__)

DEFAULT_RATE = 25.0  # messages per second, under Telegram's ~30/s for bulk messages
DEFAULT_CONCURRENCY = 8  # requests in flight: enough for the rate over a slow link, and the crash window
MAX_NETWORK_ATTEMPTS = 5
MAX_RETRY_AFTER = 30  # 429s for one message before it is given up as failed
MESSAGE_LIMIT = 4096
ALL = "*"  # key of the message for every language

_COMMAND = re.compile(r"^\s*/broadcast(?:@\w+)?(?=\s|$)", re.IGNORECASE)
_LANG_LINE = re.compile(rf"^\s*({'|'.join(LANGUAGES)})\s*[:：]\s?(.*)$", re.IGNORECASE)


class DeliveryBusy(RuntimeError):
    """Another process or task is already delivering this alert."""


# -- the sender this module needs (implemented by the Telegram adapter) ------------------------------------

class Outcome(enum.Enum):
    SENT = "sent"  # the messenger accepted the message
    BLOCKED = "blocked"  # the person blocked the bot or deleted their account: unsubscribe them
    RETRY_AFTER = "retry_after"  # rate limited: nothing was sent; wait `retry_after` seconds, then again
    TRANSIENT = "transient"  # a server error, a timeout, a dropped connection: again after a backoff
    FAILED = "failed"  # refused for good (e.g. chat not found): the same request would fail the same way


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    retry_after: float = 0.0  # seconds, for RETRY_AFTER
    reason: str = ""  # the messenger's reason, for the log: never the message's text nor the chat id

    @classmethod
    def sent(cls) -> SendResult:
        return cls(Outcome.SENT)


class TextSender(Protocol):
    """Sends one plain-text message to one chat and says how it went.

    An outcome is returned for everything the messenger answers about this message; an exception is
    raised only when the sender itself cannot work (a revoked token, say): delivery then stops, and the
    alert stays resumable.
    """

    async def send_text(self, chat_id: int, text: str) -> SendResult: ...


# -- composing ------------------------------------------------------------------------------------------

def parse_broadcast(text: str) -> dict[str, str]:
    """The texts of a /broadcast: {"*": message} for one message to all, or {lang: message} per block.

    A block starts with a line "ar: ..." (any of ar ckb en fr ru) and runs to the next such line; text
    before the first block, if any, goes to everyone without a block of their own. Who has no block
    gets "en" when given, else that leading text (see `text_for`). A leading "/broadcast" is ignored.
    """
    body = _COMMAND.sub("", text, count=1)
    texts: dict[str, list[str]] = {}
    current = ALL
    for line in body.splitlines():
        found = _LANG_LINE.match(line)
        if found:
            current = found[1].lower()
            texts.setdefault(current, [])
            line = found[2]
        texts.setdefault(current, []).append(line)
    joined = {lang: "\n".join(lines).strip() for lang, lines in texts.items()}
    return {lang: message for lang, message in joined.items() if message}


def text_for(texts: dict[str, str], lang: str | None) -> str:
    """The message for a subscriber's language: their own, else the common one, else English, else any."""
    for key in (lang, ALL, "en"):
        if key and texts.get(key):
            return texts[key]
    return next(iter(texts.values()))


def validate_texts(texts: dict[str, str]) -> None:
    if not texts or not any(t.strip() for t in texts.values()):
        raise ValueError("the alert is empty")
    for lang, message in texts.items():
        if lang != ALL and lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r} (use {', '.join(LANGUAGES)})")
        if len(message) > MESSAGE_LIMIT:
            raise ValueError(f"the {lang} message has {len(message)} characters; Telegram allows {MESSAGE_LIMIT}")


def alert_digest(texts: dict[str, str]) -> str:
    """Identifies an alert's content, so re-running `scambot broadcast FILE` resumes instead of resending."""
    return hashlib.sha256(json.dumps(texts, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def create_alert(state: Any, texts: dict[str, str], request: str | None = None) -> int:
    """Store the alert with a pending delivery per current subscriber; its id. With `request`, the alert
    an earlier call made for the same request, if any (a command handled twice sends one alert)."""
    validate_texts(texts)
    alert_id = state.create_alert(texts, alert_digest(texts), request)
    if alert_id is None:
        raise RuntimeError(f"the state database cannot be written ({state.degraded_reason})")
    return alert_id


def pending_alerts(state: Any) -> list[int]:
    """Alerts not fully delivered (the bot resumes them when it starts)."""
    return state.pending_alerts()


# -- delivering ---------------------------------------------------------------------------------------

class RateLimiter:
    """At most `rate` starts per second over all workers; `pause` holds everyone (a 429's retry_after)."""

    def __init__(self, rate: float):
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self._next = 0.0
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            async with self._lock:
                now = loop.time()
                slot = max(now, self._next, self._paused_until)
                self._next = slot + self.interval
            await asyncio.sleep(slot - now)
            if loop.time() >= self._paused_until:  # a pause that began while we slept holds us too
                return

    def pause(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        self._paused_until = max(self._paused_until, loop.time() + seconds)


def _backoff(attempt: int) -> float:
    return min(30.0, 0.5 * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


_claimed: set[tuple[str, int]] = set()  # in-process claims, for in-memory databases


def _db_file(state: Any) -> str:
    for row in state.db.execute("pragma database_list").fetchall():
        if row[1] == "main":
            return row[2] or ""
    return ""


@contextlib.contextmanager
def _claim(state: Any, alert_id: int) -> Iterator[None]:
    """One deliverer per alert: an exclusive lock file next to the database (released if we die)."""
    db_file = _db_file(state)
    key = (db_file, alert_id)
    if key in _claimed:
        raise DeliveryBusy(f"alert {alert_id} is already being delivered")
    handle = None
    if db_file:
        lock_path = Path(db_file).with_name(f".alert-{alert_id}.lock")
        handle = open(lock_path, "a")  # noqa: SIM115 - held open for the duration, closed below
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DeliveryBusy(f"alert {alert_id} is already being delivered by another process") from None
    _claimed.add(key)
    try:
        yield
        if handle is not None and not state.pending_deliveries(alert_id):
            # Done: the lock file can go. Whoever opens it afterwards finds nothing pending to send.
            with contextlib.suppress(OSError):
                os.unlink(handle.name)
    finally:
        _claimed.discard(key)
        if handle is not None:
            handle.close()


async def deliver(
    sender: TextSender,
    state: Any,
    alert_id: int,
    *,
    rate: float = DEFAULT_RATE,
    progress: Callable[[int, int], Awaitable[None]] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress_interval: float = 2.0,
    stop: asyncio.Event | None = None,
) -> dict:
    """Send alert `alert_id` to its pending recipients; counts for the whole alert.

    Returns {"alert_id", "total", "sent", "blocked", "failed", "pending", "run": {counts of this call}}.
    `progress(done, total)` is awaited at most every `progress_interval` seconds and once at the end
    (an admin message can be edited with it). Setting `stop` finishes the messages in flight and returns
    with the rest still pending. Raises DeliveryBusy if the alert is being delivered elsewhere, and the
    sender's or the storage's errors as they come: then the alert stays resumable.
    """
    alert = state.get_alert(alert_id)
    if alert is None:
        raise ValueError(f"no alert {alert_id}")
    texts: dict[str, str] = alert["texts"]
    with _claim(state, alert_id):
        queue: asyncio.Queue[dict] = asyncio.Queue()
        for delivery in state.pending_deliveries(alert_id):
            queue.put_nowait(delivery)
        counts = state.delivery_counts(alert_id)
        total = sum(counts.values())
        done = total - counts.get("pending", 0)
        run = {"sent": 0, "blocked": 0, "failed": 0}
        limiter = RateLimiter(rate)
        loop = asyncio.get_running_loop()
        last_report = loop.time()

        async def report(force: bool = False) -> None:
            nonlocal last_report
            if progress is not None and (force or loop.time() - last_report >= progress_interval):
                last_report = loop.time()
                try:
                    await progress(done, total)
                except Exception as error:  # a failed progress message must not stop delivery
                    log.warning("progress callback failed: %s", error)

        def finish(delivery: dict, status: str) -> None:
            nonlocal done
            state.finish_delivery(alert_id, delivery["ref"], status)  # commits now: see the module doc
            run[status] += 1
            done += 1

        async def send(delivery: dict) -> None:
            text = text_for(texts, delivery["lang"])
            network_attempts = throttled = 0
            while True:
                await limiter.wait()
                result = await sender.send_text(delivery["chat_id"], text)
                if result.outcome is Outcome.SENT:
                    finish(delivery, "sent")
                    return
                if result.outcome is Outcome.BLOCKED:
                    finish(delivery, "blocked")
                    return
                if result.outcome is Outcome.RETRY_AFTER:
                    throttled += 1
                    limiter.pause(max(0.0, result.retry_after))
                    if throttled >= MAX_RETRY_AFTER:
                        log.info("alert %s: a delivery failed after %s rate limits", alert_id, throttled)
                        finish(delivery, "failed")
                        return
                    continue
                if result.outcome is Outcome.TRANSIENT:
                    network_attempts += 1
                    if network_attempts < MAX_NETWORK_ATTEMPTS:
                        await asyncio.sleep(_backoff(network_attempts))
                        continue
                    log.info("alert %s: a delivery failed after %s attempts: %s", alert_id, network_attempts,
                             result.reason)
                else:
                    log.info("alert %s: a delivery failed: %s", alert_id, result.reason)
                finish(delivery, "failed")
                return

        async def worker() -> None:
            while not (stop is not None and stop.is_set()):
                try:
                    delivery = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await send(delivery)
                await report()

        await report(force=True)
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(max(1, min(concurrency, queue.qsize()))):
                    group.create_task(worker())
        except* Exception as errors:  # one fatal error stops all workers; re-raise it plainly
            raise errors.exceptions[0] from None
        await report(force=True)
    final = state.delivery_counts(alert_id)
    return {"alert_id": alert_id, "total": sum(final.values()), **final, "run": run}


# -- reading an alert from a file ------------------------------------------------------------------------

def load_texts(path: Path) -> dict[str, str]:
    """An alert from a file: YAML ({lang: text} or {"all": text} or a plain string) or plain text blocks."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(raw)
        if isinstance(data, str):
            return {ALL: data.strip()}
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{path}: expected a mapping of language to text, e.g. 'ar: ...' and 'en: ...'")
        return {(ALL if str(k).lower() in ("all", "*", "default") else str(k).lower()): v.strip()
                for k, v in data.items() if v.strip()}
    return parse_broadcast(raw)
