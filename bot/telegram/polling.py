"""Long polling that confirms an update to Telegram only once it has been answered.

python-telegram-bot's Updater confirms an update (the next getUpdates `offset`) as soon as it is queued,
before any handler has run, so a process that dies (OOM killer, `docker kill`, power loss) loses everything
queued or in progress. Here the offset sent to Telegram is a low-water mark: the id of the oldest update
still in progress, or one past the last fetched id when nothing is. Telegram keeps every update at or above
the offset and sends it again on the next getUpdates, so after a crash the new process answers them.

The price is at-least-once delivery: an update answered just before a crash, while an older one was still
in progress, is answered again after the restart (a duplicate reply beats silence; the Bot API has no way
to confirm updates out of order).

Two things follow from the Bot API and shape the loop:

- While any update holds the offset back, getUpdates returns at once (there are unconfirmed updates), so
  long polling only works when nothing is in progress; otherwise the loop polls every `poll_interval`
  seconds, or sooner (POLL_AFTER_ANSWER_SECONDS) once an update has been answered. Telegram sends the
  unconfirmed updates every time, so those already in progress or answered are skipped, and dropped from
  the JSON before python-telegram-bot parses them (parsing 100 updates costs about 30 ms; most of a busy
  batch is already known). Those polls are short polls (timeout 0) with a 5 s read timeout: Telegram
  answers them at once, so one that hangs is given up after 5 s, not after the long poll's 20 s (in a
  run with 10% faults, one hung poll held up all 200 people for 20 s).
- getUpdates returns at most 100 updates from the offset, so an update that takes long (a sendMessage
  that never gets an answer costs the 20 s read timeout) would stop the bot from seeing anything newer
  once 100 more have arrived. When a batch brings nothing new and is full, updates in progress for more
  than `release_after` seconds stop holding the offset back; they still finish, but one of them is lost
  if the process dies before it does (logged as a warning).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.telegram.handlers import transient_reason
from bot.telegram.send import retry_seconds
from bot.telegram.transport import AiohttpRequest

log = logging.getLogger(__name__)

TELEGRAM_MAX_BATCH = 100  # getUpdates `limit` can be at most 100
LONG_POLL_SECONDS = 10
POLL_INTERVAL_SECONDS = 0.1  # between polls while something holds the offset back (they return at once)
POLL_AFTER_ANSWER_SECONDS = 0.02  # sooner than that once an update was answered: the person may write again
SHORT_POLL_READ_SECONDS = 5.0  # read timeout of a poll Telegram answers at once (the offset is held back)
MAX_IN_PROGRESS = 256  # stop fetching above this many updates in progress (backpressure)
RELEASE_AFTER_SECONDS = 5.0
DRAIN_SECONDS = 8.0  # on a clean stop, for updates in progress: leaves time to confirm within docker stop's 10 s
NETWORK_BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)
BOOTSTRAP_RETRIES = 5


class OffsetTracker:
    """Which fetched updates are in progress or answered, and the getUpdates offset that confirms only
    answered ones (a low-water mark). No I/O, no clock of its own: callers pass `now`."""

    def __init__(self) -> None:
        self._holding: dict[int, float] = {}  # in progress and holding the offset back: id -> start time
        self._released: set[int] = set()  # in progress, no longer holding the offset back (stragglers)
        self._answered: set[int] = set()  # finished, not yet below a confirmed offset: Telegram may resend
        self._last_fetched: int | None = None

    @property
    def in_progress(self) -> int:
        return len(self._holding) + len(self._released)

    @property
    def holds_offset(self) -> bool:
        """Whether some update keeps the offset below the last fetched one (getUpdates then returns at once)."""
        return bool(self._holding)

    def seen(self, update_id: int) -> bool:
        """In progress or answered in this process: a copy Telegram sends again is skipped."""
        return update_id in self._holding or update_id in self._released or update_id in self._answered

    def fetched(self, update_ids: Iterable[int], now: float, room: int | None = None) -> list[int]:
        """Record a batch from getUpdates (in id order); returns the ids to process now: those not seen
        before, at most `room` of them. The rest stay unconfirmed (above the offset) and come again."""
        new: list[int] = []
        for update_id in update_ids:
            if self.seen(update_id) or update_id in new:
                continue
            if room is not None and len(new) >= room:
                break
            new.append(update_id)
            self._holding[update_id] = now
            if self._last_fetched is None or update_id > self._last_fetched:
                self._last_fetched = update_id
        return new

    def finished(self, update_id: int) -> None:
        """The update was handled (answered, or failed in a handler, which is reported and not retried)."""
        was_holding = self._holding.pop(update_id, None) is not None
        if was_holding:
            self._answered.add(update_id)
        else:
            self._released.discard(update_id)  # below the confirmed offset already: Telegram will not resend

    def offset(self) -> int:
        """The offset to send with the next getUpdates: every update below it is answered (or released)."""
        if self._holding:
            return min(self._holding)
        return self._last_fetched + 1 if self._last_fetched is not None else 0

    def confirm(self, offset: int) -> None:
        """`offset` is being sent: Telegram will never send an update below it again, so forget those."""
        self._answered = {update_id for update_id in self._answered if update_id >= offset}

    def release_stragglers(self, now: float, older_than: float) -> list[int]:
        """Stop the oldest updates in progress for more than `older_than` seconds from holding the offset
        back, from the lowest id up to the first younger one; returns their ids."""
        released = []
        for update_id in sorted(self._holding):
            if now - self._holding[update_id] <= older_than:
                break
            del self._holding[update_id]
            self._released.add(update_id)
            released.append(update_id)
        return released

    def holding_ids(self) -> list[int]:
        return sorted(self._holding)


class UpdatesRequest(AiohttpRequest):
    """The getUpdates connection: drops the updates `skip` names from each answer before python-telegram-bot
    parses them (the unconfirmed ones Telegram sends again), and remembers how many the answer held."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skip: Callable[[int], bool] | None = None
        self.last_batch_size = 0
        self.last_result: list[Any] | None = None  # the last answer's updates, to read one by one on failure

    def parse_json_payload(self, payload: bytes) -> dict[str, Any]:  # type: ignore[override]
        data = super().parse_json_payload(payload)
        result = data.get("result") if isinstance(data, dict) else None
        if isinstance(result, list):
            self.last_batch_size = len(result)
            skip = self.skip
            if skip is not None:
                data["result"] = [item for item in result
                                  if not (isinstance(item, dict) and skip(item.get("update_id", -1)))]
            self.last_result = data["result"]
        else:
            self.last_result = None
        return data


class Poller:
    """Fetches updates, runs each as its own task through the application, confirms answered ones."""

    def __init__(self, application: Application, request: UpdatesRequest | None = None, *,
                 allowed_updates: Sequence[str] | None = None, timeout: int = LONG_POLL_SECONDS,
                 poll_interval: float = POLL_INTERVAL_SECONDS, max_in_progress: int = MAX_IN_PROGRESS,
                 release_after: float = RELEASE_AFTER_SECONDS, drain_seconds: float = DRAIN_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.application = application
        self.request = request
        self.allowed_updates = list(allowed_updates) if allowed_updates is not None else None
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.max_in_progress = max_in_progress
        self.release_after = release_after
        self.drain_seconds = drain_seconds
        self.clock = clock
        self.batch_limit = TELEGRAM_MAX_BATCH
        self.tracker = OffsetTracker()
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.polls = self.full_polls = self.released = self.unreadable = 0  # for the log line at stop
        self.stopping = asyncio.Event()
        self._changed = asyncio.Event()  # an update finished
        self._answered_since_poll = asyncio.Event()
        if request is not None:
            request.skip = self.tracker.seen

    def stop(self) -> None:
        self.stopping.set()

    async def run(self) -> None:
        """Poll until `stop()`; then let updates in progress finish (bounded) and confirm what was answered.
        Raises Conflict (another poller or a webhook) or InvalidToken after that clean stop, without the last
        confirmation (which would only meet the same error, or cut the other poller's long poll)."""
        confirm_at_end = True
        try:
            await self._poll_until_stopped()
        except (Conflict, InvalidToken):
            confirm_at_end = False
            raise
        finally:
            log.info("polling stopped after %d getUpdates calls, %d of them with nothing new in a full batch; "
                     "%d update(s) released, %d unreadable dropped", self.polls, self.full_polls, self.released,
                     self.unreadable)
            await self._drain()
            if confirm_at_end:
                await self._confirm_final()
            await self._cancel_remaining()

    # -- the loop ------------------------------------------------------------------------------------
    async def _poll_until_stopped(self) -> None:
        failures = 0
        while not self.stopping.is_set():
            while self.tracker.in_progress >= self.max_in_progress and not self.stopping.is_set():
                await self._wait_for_change(None)  # backpressure: fetch nothing more until some finish
            if self.stopping.is_set():
                return
            started = self.clock()
            try:
                updates = await self._until_stopped(self._get_updates())
            except RetryAfter as error:
                wait = retry_seconds(error) + 0.5
                log.warning("getUpdates: too many requests, waiting %.1f s", wait)
                await self._sleep(wait)
                continue
            except (Conflict, InvalidToken):
                raise
            except TimedOut:
                failures += 1  # the long poll's answer never came: ask again at once (after the first)
                log.warning("getUpdates: timed out, retrying")
                await self._sleep(0 if failures == 1 else self._backoff(failures - 1))
                continue
            except TelegramError as error:  # 5xx, dropped connections (NetworkError), anything else Telegram says
                failures += 1
                wait = self._backoff(failures)
                log.warning("getUpdates: %s (%s), retrying in %.1f s; nothing lost", type(error).__name__,
                            transient_reason(error), wait)
                await self._sleep(wait)
                continue
            except Exception as error:  # an answer PTB cannot read
                # Usually one update with a field this version of PTB cannot read: parse them one by one and
                # drop that one, or the same batch comes back for ever and nobody is answered again.
                updates = self._readable_of_last_batch()
                if updates is None:
                    failures += 1
                    wait = self._backoff(failures)
                    log.error("getUpdates: unreadable answer (%s), retrying in %.1f s", type(error).__name__, wait)
                    await self._sleep(wait)
                    continue
            if updates is None:  # stopped while waiting
                return
            failures = 0
            self._dispatch(updates)
            if self.tracker.holds_offset:
                await self._pace(started)

    async def _pace(self, started: float) -> None:
        """The next getUpdates returns at once (the unconfirmed updates), so polls are paced: every
        `poll_interval`, or after POLL_AFTER_ANSWER_SECONDS once an update has been answered since the last
        poll (the person often writes again at once)."""
        await self._sleep(started + min(self.poll_interval, POLL_AFTER_ANSWER_SECONDS) - self.clock())
        left = started + self.poll_interval - self.clock()
        if left > 0 and not self._answered_since_poll.is_set():
            await self._wait_for(self._answered_since_poll, left)

    async def _get_updates(self) -> tuple[Update, ...]:
        self._answered_since_poll.clear()
        offset = self.tracker.offset()
        self.tracker.confirm(offset)
        self.polls += 1
        if self.request is not None:
            self.request.last_batch_size = 0
            self.request.last_result = None
        # Unconfirmed updates wait at Telegram while one holds the offset back: it answers at once.
        timing: dict[str, float] = ({"timeout": 0, "read_timeout": SHORT_POLL_READ_SECONDS}
                                    if self.tracker.holds_offset else {"timeout": self.timeout})
        return await self.application.bot.get_updates(offset=offset, limit=self.batch_limit,
                                                      allowed_updates=self.allowed_updates, **timing)

    def _readable_of_last_batch(self) -> tuple[Update, ...] | None:
        """The updates of the last getUpdates answer that PTB can read, one by one; each one it cannot read
        is logged by its id and exception type only (never its content) and confirmed as answered, so the
        offset moves past it. None when there is no such answer to look at (the error was elsewhere)."""
        raw = self.request.last_result if self.request is not None else None
        if not raw:
            return None
        readable: list[Update] = []
        for item in raw:
            try:
                update = Update.de_json(item, self.application.bot)
            except Exception as error:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int):
                    return None  # no id to move the offset past: retry the batch, as before
                if not self.tracker.seen(update_id):
                    self.tracker.fetched([update_id], self.clock())
                    self.tracker.finished(update_id)
                    self.unreadable += 1
                    log.warning("update %d: python-telegram-bot cannot read it (%s); dropped", update_id,
                                type(error).__name__)
                continue
            if update is not None:
                readable.append(update)
        return tuple(readable)

    def _dispatch(self, updates: Sequence[Update]) -> None:
        now = self.clock()
        by_id = {update.update_id: update for update in sorted(updates, key=lambda u: u.update_id)}
        new = self.tracker.fetched(by_id, now, room=self.max_in_progress - self.tracker.in_progress)
        for update_id in new:
            task = asyncio.create_task(self._process(by_id[update_id]), name=f"update:{update_id}")
            self.tasks[update_id] = task
        batch = self.request.last_batch_size if self.request is not None else len(updates)
        if not new and batch >= self.batch_limit:
            # Full of updates already in progress: nothing newer is visible until the oldest finish.
            self.full_polls += 1
            released = self.tracker.release_stragglers(now, self.release_after)
            self.released += len(released)
            if released:
                log.warning("%d update(s) in progress for over %.0f s held back newer ones: no longer waiting for "
                            "them before confirming (lost if the process dies before they finish)", len(released),
                            self.release_after)

    async def _process(self, update: Update) -> None:
        application = self.application
        cancelled = False
        try:
            await application.update_processor.process_update(update, application.process_update(update))
        except asyncio.CancelledError:
            cancelled = True  # only at shutdown, after the drain: left unconfirmed, so sent again
            raise
        except Exception as error:  # process_update reports handler errors itself; this is a bug elsewhere
            log.error("update %d: %s outside the handlers", update.update_id, type(error).__name__)
        finally:
            self.tasks.pop(update.update_id, None)
            if not cancelled:
                self.tracker.finished(update.update_id)
                self._answered_since_poll.set()
            self._changed.set()

    # -- stopping ----------------------------------------------------------------------------------
    async def _drain(self) -> None:
        if not self.tasks:
            return
        log.info("waiting up to %.0f s for %d update(s) in progress", self.drain_seconds, len(self.tasks))
        _, pending = await asyncio.wait(list(self.tasks.values()), timeout=self.drain_seconds)
        if pending:
            log.warning("%d update(s) still in progress after %.0f s: they are sent again at the next start",
                        len(pending), self.drain_seconds)

    async def _confirm_final(self) -> None:
        """One last getUpdates without long polling tells Telegram what was answered, as PTB does at stop."""
        offset = self.tracker.offset()
        try:
            await self.application.bot.get_updates(offset=offset, limit=1, timeout=0,
                                                   allowed_updates=self.allowed_updates)
        except TelegramError as error:
            log.warning("could not confirm the last updates (%s): they are sent again at the next start",
                        type(error).__name__)

    async def _cancel_remaining(self) -> None:
        tasks = list(self.tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # -- waiting -----------------------------------------------------------------------------------
    async def _until_stopped(self, coroutine: Any) -> Any:
        """The coroutine's result, or None if `stop()` comes first (the call is then cancelled)."""
        call = asyncio.ensure_future(coroutine)
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            await asyncio.wait({call, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
        if call.done():
            return call.result()
        call.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await call
        return None

    async def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _wait_for_change(self, timeout: float | None) -> None:
        self._changed.clear()
        await self._wait_for(self._changed, timeout)

    async def _wait_for(self, event: asyncio.Event, timeout: float | None) -> None:
        """Until `event` is set or `stop()` comes, at most `timeout` seconds (None: no limit)."""
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(self.stopping.wait())}
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waits:
                waiter.cancel()

    @staticmethod
    def _backoff(failures: int) -> float:
        return NETWORK_BACKOFF_SECONDS[min(failures, len(NETWORK_BACKOFF_SECONDS)) - 1]


# -- the application's life around the loop -----------------------------------------------------------

async def _with_retries(action: Callable[[], Any], what: str, retries: int, stopping: asyncio.Event) -> None:
    """`action`, retried on network errors and 429s at most `retries` times (python-telegram-bot's bootstrap).
    Returns early, without success, once `stopping` is set: the caller checks it."""
    for attempt in range(retries + 1):
        try:
            await action()
            return
        except InvalidToken:
            raise
        except (RetryAfter, NetworkError) as error:
            if attempt == retries:
                raise
            wait = retry_seconds(error) + 0.5 if isinstance(error, RetryAfter) else Poller._backoff(attempt + 1)
            log.warning("%s: %s, retrying in %.1f s", what, type(error).__name__, wait)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), wait)
        if stopping.is_set():
            return


async def serve(application: Application, request: UpdatesRequest | None, *, allowed_updates: Sequence[str],
                bootstrap_retries: int = BOOTSTRAP_RETRIES, timeout: int = LONG_POLL_SECONDS,
                stop_signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> None:
    """What `Application.run_polling` does (initialize, post_init, start, stop, post_stop, shutdown,
    post_shutdown, stop on SIGINT/SIGTERM), with the Poller in place of PTB's Updater."""
    loop = asyncio.get_running_loop()
    poller = Poller(application, request, allowed_updates=allowed_updates, timeout=timeout)
    for sig in stop_signals:
        loop.add_signal_handler(sig, poller.stop)
    # post_stop ends what post_init started (our background tasks), so it runs whenever post_init did, even
    # when a stop signal comes before polling starts (PTB runs it only after Application.stop).
    post_init_done = False
    try:
        await _with_retries(application.initialize, "initialize (getMe)", bootstrap_retries, poller.stopping)
        if poller.stopping.is_set():
            return
        if application.post_init:
            await application.post_init(application)
        post_init_done = True
        # As PTB's Updater does before polling: getUpdates is refused while a webhook is set.
        await _with_retries(lambda: application.bot.delete_webhook(drop_pending_updates=False), "deleteWebhook",
                            bootstrap_retries, poller.stopping)
        if poller.stopping.is_set():
            return
        await application.start()
        await poller.run()
    finally:
        for sig in stop_signals:
            loop.remove_signal_handler(sig)
        try:
            if application.running:
                await application.stop()
            if post_init_done and application.post_stop:
                await application.post_stop(application)
            await application.shutdown()
        finally:
            if application.post_shutdown:
                await application.post_shutdown(application)
            # PTB closes the HTTP clients only if initialize() succeeded; when getMe never did (Telegram
            # unreachable, a bad token), close them here, or aiohttp reports them unclosed as errors.
            for http in (request, application.bot.request):
                if http is not None:
                    await http.shutdown()


def run(application: Application, request: UpdatesRequest | None, *, allowed_updates: Sequence[str],
        bootstrap_retries: int = BOOTSTRAP_RETRIES, timeout: int = LONG_POLL_SECONDS) -> None:
    """Blocking, like `Application.run_polling`; returns after SIGINT/SIGTERM and a clean stop."""
    asyncio.run(serve(application, request, allowed_updates=allowed_updates, bootstrap_retries=bootstrap_retries,
                      timeout=timeout))


__all__ = ["OffsetTracker", "Poller", "UpdatesRequest", "run", "serve"]
