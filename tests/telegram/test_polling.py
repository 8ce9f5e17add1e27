"""The polling loop of bot/telegram/polling.py: which offset is confirmed to Telegram, and when.

The low-water mark is checked on its own (OffsetTracker, a pure class), then the Poller against a small
in-process stand-in for Telegram that behaves as the Bot API does: getUpdates returns the updates at or
above the offset (at most `limit`) and forgets those below it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.error import Conflict, NetworkError

from bot.telegram.polling import SHORT_POLL_READ_SECONDS, OffsetTracker, Poller, UpdatesRequest

# -- the low-water mark ---------------------------------------------------------------------------------


def test_the_offset_stays_at_the_oldest_update_in_progress():
    tracker = OffsetTracker()
    assert tracker.offset() == 0  # nothing fetched yet: no offset, as python-telegram-bot starts
    assert tracker.fetched([7, 8, 9], now=0.0) == [7, 8, 9]
    assert tracker.offset() == 7
    tracker.finished(8)
    tracker.finished(9)
    assert tracker.offset() == 7  # 8 and 9 are answered, but 7 is not: confirming 10 would lose 7
    tracker.finished(7)
    assert tracker.offset() == 10
    assert tracker.in_progress == 0 and not tracker.holds_offset


def test_updates_sent_again_are_not_processed_twice():
    tracker = OffsetTracker()
    tracker.fetched([1, 2, 3], now=0.0)
    tracker.finished(2)
    # Telegram sends every unconfirmed update again: 1 and 3 are in progress, 2 is answered.
    assert tracker.fetched([1, 2, 3, 4], now=1.0) == [4]
    assert tracker.in_progress == 3
    tracker.confirm(tracker.offset())
    assert tracker.seen(2)  # still above the offset sent: Telegram may send it again
    tracker.finished(1)
    tracker.confirm(tracker.offset())  # 3
    assert not tracker.seen(1) and not tracker.seen(2)  # below the offset: forgotten, never sent again
    assert tracker.fetched([3, 4, 5], now=2.0) == [5]


def test_room_limits_what_starts_and_the_rest_stays_unconfirmed():
    tracker = OffsetTracker()
    assert tracker.fetched([1, 2, 3, 4, 5], now=0.0, room=2) == [1, 2]
    assert tracker.offset() == 1
    tracker.finished(1)
    tracker.finished(2)
    assert tracker.offset() == 3  # 3, 4, 5 were never started: Telegram still has them
    assert tracker.fetched([3, 4, 5], now=1.0, room=10) == [3, 4, 5]


def test_stragglers_are_released_oldest_first_and_only_when_old():
    tracker = OffsetTracker()
    tracker.fetched([1, 2], now=0.0)
    tracker.fetched([3], now=8.0)
    assert tracker.release_stragglers(now=9.0, older_than=5.0) == [1, 2]
    assert tracker.offset() == 3
    assert tracker.in_progress == 3  # released ones still run, and still count for backpressure
    assert tracker.seen(1)  # and are not started again
    tracker.finished(1)
    assert tracker.offset() == 3 and tracker.in_progress == 2
    assert tracker.release_stragglers(now=10.0, older_than=5.0) == []  # 3 is young


def test_a_young_update_stops_the_release_of_older_ones_behind_it():
    tracker = OffsetTracker()
    tracker.fetched([1], now=0.0)
    tracker.fetched([2], now=9.0)
    tracker.fetched([3], now=0.0)  # an old id fetched late (ids are not always in time order)
    assert tracker.release_stragglers(now=10.0, older_than=5.0) == [1]
    assert tracker.offset() == 2  # 3 does not hold anything back while 2 does


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["fetch", "finish", "release"]), st.integers(0, 30)), max_size=60))
def test_the_offset_never_confirms_an_update_in_progress_and_never_goes_back(steps):
    tracker = OffsetTracker()
    server: list[int] = []  # what Telegram holds: ids at or above the last offset sent
    next_id = 1
    started: list[int] = []
    running: set[int] = set()
    released: set[int] = set()
    last_offset = 0
    for now, (action, n) in enumerate(steps):
        if action == "fetch":
            server += list(range(next_id, next_id + n % 5))
            next_id += n % 5
            offset = tracker.offset()
            assert offset >= last_offset
            last_offset = offset
            tracker.confirm(offset)
            server = [u for u in server if u >= offset]
            new = tracker.fetched(server[:4], float(now), room=6 - tracker.in_progress)
            assert not set(new) & set(started)  # never started twice
            started += new
            running |= set(new)
        elif action == "finish" and running:
            done = sorted(running)[n % len(running)]
            running.discard(done)
            released.discard(done)
            tracker.finished(done)
        elif action == "release":
            released |= set(tracker.release_stragglers(float(now), older_than=float(n % 4)))
        offset = tracker.offset()
        assert all(u >= offset for u in running - released)  # nothing in progress is confirmed
        assert all(u in started for u in range(1, offset))  # everything confirmed was started
        assert tracker.in_progress == len(running)


# -- the getUpdates connection ----------------------------------------------------------------------------


def test_known_updates_are_dropped_before_parsing():
    request = UpdatesRequest()
    request.skip = {2, 3}.__contains__
    payload = json.dumps({"ok": True, "result": [{"update_id": n} for n in (1, 2, 3, 4)]}).encode()
    assert request.parse_json_payload(payload)["result"] == [{"update_id": 1}, {"update_id": 4}]
    assert request.last_batch_size == 4  # what Telegram sent, for the "window is full" test
    error = json.dumps({"ok": False, "error_code": 409, "description": "Conflict"}).encode()
    assert request.parse_json_payload(error)["description"] == "Conflict"


# -- the loop, against a stand-in for Telegram -------------------------------------------------------------


class FakeTelegram:
    """getUpdates as the Bot API serves it; `calls` records every call's arguments."""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.calls: list[dict[str, Any]] = []
        self.errors: list[Exception] = []
        self._new = asyncio.Event()

    @property
    def offsets(self) -> list[tuple[int, float]]:
        """(offset, timeout) of every call."""
        return [(call["offset"], call["timeout"]) for call in self.calls]

    def add(self, *ids: int) -> None:
        self.pending += ids
        self._new.set()

    async def get_updates(self, offset: int, limit: int, timeout: float, allowed_updates: Any,
                          **timeouts: float) -> tuple:
        self.calls.append({"offset": offset, "limit": limit, "timeout": timeout, **timeouts})
        if self.errors:
            raise self.errors.pop(0)
        self.pending = [u for u in self.pending if u >= offset]
        if not self.pending and timeout:
            self._new.clear()
            try:
                await asyncio.wait_for(self._new.wait(), min(timeout, 0.2))
            except TimeoutError:
                return ()
        return tuple(Update(update_id=u) for u in self.pending[:limit])


class Handlers:
    """process_update for the stand-in application: each update waits until the test lets it finish."""

    def __init__(self) -> None:
        self.gates: dict[int, asyncio.Event] = {}
        self.calls: list[int] = []

    def let_finish(self, *ids: int) -> None:
        for update_id in ids:
            self.gates.setdefault(update_id, asyncio.Event()).set()

    async def process_update(self, update: Update) -> None:
        self.calls.append(update.update_id)
        await self.gates.setdefault(update.update_id, asyncio.Event()).wait()


def application(telegram: FakeTelegram, handlers: Handlers) -> Any:
    async def through(update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    return SimpleNamespace(bot=telegram, process_update=handlers.process_update,
                           update_processor=SimpleNamespace(process_update=through))


async def until(predicate, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.005)


def run(coroutine: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 20))


def test_poller_confirms_only_answered_updates_and_skips_resent_ones():
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        poller = Poller(application(telegram, handlers), poll_interval=0.01, drain_seconds=1)
        task = asyncio.create_task(poller.run())
        telegram.add(1, 2, 3)
        await until(lambda: len(handlers.calls) == 3)
        handlers.let_finish(2, 3)
        await asyncio.sleep(0.1)  # several polls, each sent 1, 2, 3 again
        assert handlers.calls == [1, 2, 3]  # none processed twice
        assert telegram.offsets[-1][0] == 1  # 1 is not answered: nothing is confirmed
        handlers.let_finish(1)
        await until(lambda: telegram.offsets[-1][0] == 4)
        telegram.add(4)
        await until(lambda: 4 in handlers.calls)
        poller.stop()
        await asyncio.sleep(0.05)
        handlers.let_finish(4)  # finishes during the drain
        await task
        assert telegram.offsets[-1] == (5, 0)  # the last call confirms it, without long polling
        assert sorted(handlers.calls) == [1, 2, 3, 4]

    run(scenario())


def test_poller_stops_fetching_when_too_many_are_in_progress():
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        poller = Poller(application(telegram, handlers), poll_interval=0.01, max_in_progress=3, drain_seconds=0.1)
        task = asyncio.create_task(poller.run())
        telegram.add(*range(1, 11))
        await until(lambda: len(handlers.calls) == 3)
        polls = len(telegram.offsets)
        await asyncio.sleep(0.1)
        assert handlers.calls == [1, 2, 3] and len(telegram.offsets) == polls  # no polling while full
        handlers.let_finish(1)
        await until(lambda: len(handlers.calls) == 4)
        assert handlers.calls[-1] == 4
        poller.stop()
        await task  # 2, 3 and 4 never finish: cancelled after the drain, and not confirmed
        assert telegram.offsets[-1] == (2, 0)

    run(scenario())


def test_poller_releases_a_straggler_when_the_window_is_full():
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        poller = Poller(application(telegram, handlers), poll_interval=0.01, release_after=0.2, drain_seconds=0.1)
        poller.batch_limit = 3
        task = asyncio.create_task(poller.run())
        telegram.add(1, 2, 3, 4, 5)
        await until(lambda: handlers.calls == [1, 2, 3])
        handlers.let_finish(2, 3)
        await asyncio.sleep(0.1)
        assert handlers.calls == [1, 2, 3]  # 4 and 5 are beyond the window of 3 from offset 1
        await until(lambda: 5 in handlers.calls)  # after 0.2 s, 1 stops holding the offset back
        assert telegram.offsets[-1][0] >= 4
        handlers.let_finish(1, 4, 5)
        await until(lambda: telegram.offsets[-1][0] == 6)
        poller.stop()
        await task
        assert handlers.calls == [1, 2, 3, 4, 5]

    run(scenario())


@pytest.mark.parametrize("error", [Conflict("terminated by other getUpdates request")])
def test_poller_stops_on_conflict_without_the_last_confirmation(error):
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        poller = Poller(application(telegram, handlers), poll_interval=0.01, drain_seconds=1)
        telegram.add(1)
        handlers.let_finish(1)
        task = asyncio.create_task(poller.run())
        await until(lambda: handlers.calls == [1])
        await asyncio.sleep(0.05)
        telegram.errors.append(error)
        with pytest.raises(Conflict):
            await task
        # No last confirming call (limit 1, no long poll), which would cut the other poller's long poll.
        assert all(call["limit"] > 1 for call in telegram.calls)

    run(scenario())


def test_poller_retries_after_network_errors():
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        telegram.errors += [NetworkError("Bad Gateway")]
        poller = Poller(application(telegram, handlers), poll_interval=0.01, drain_seconds=1)
        task = asyncio.create_task(poller.run())
        telegram.add(1)
        handlers.let_finish(1)
        await until(lambda: handlers.calls == [1])
        poller.stop()
        await task
        assert telegram.offsets[-1] == (2, 0)

    run(scenario())


def test_poller_polls_again_soon_after_an_answer_while_the_offset_is_held():
    """While an update holds the offset back, polls are paced (poll_interval), but an answer brings the next
    poll forward: the person answered often writes again at once."""
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        poller = Poller(application(telegram, handlers), poll_interval=2.0, drain_seconds=0.1)
        task = asyncio.create_task(poller.run())
        telegram.add(1, 2)
        await until(lambda: len(handlers.calls) == 2)
        await asyncio.sleep(0.3)
        polls = len(telegram.offsets)
        assert polls <= 2  # paced: nothing answered yet, the next poll waits for the 2 s interval
        handlers.let_finish(2)  # answered; 1 still holds the offset back
        await until(lambda: len(telegram.offsets) > polls, timeout=0.5)  # well before the 2 s interval
        poller.stop()
        handlers.let_finish(1)
        await task

    run(scenario())


def test_polls_while_the_offset_is_held_are_short_with_a_short_read_timeout():
    """Telegram answers at once while unconfirmed updates wait, so such a poll that hangs is given up after
    a few seconds; with nothing in progress the poll is a long poll with the client's own read timeout."""
    async def scenario() -> None:
        telegram, handlers = FakeTelegram(), Handlers()
        poller = Poller(application(telegram, handlers), poll_interval=0.01, drain_seconds=0.1, timeout=7)
        task = asyncio.create_task(poller.run())
        telegram.add(1)
        await until(lambda: handlers.calls == [1])
        await until(lambda: any(call["offset"] == 1 for call in telegram.calls))  # polled while 1 holds it
        handlers.let_finish(1)
        await until(lambda: any(call["offset"] == 2 for call in telegram.calls))
        poller.stop()
        await task
        held = [call for call in telegram.calls if call["offset"] == 1]
        idle = [call for call in telegram.calls if call["offset"] in (0, 2) and call["limit"] > 1]
        assert held and all(call["timeout"] == 0 and call["read_timeout"] == SHORT_POLL_READ_SECONDS
                            for call in held)
        assert idle and all(call["timeout"] == 7 and "read_timeout" not in call for call in idle)

    run(scenario())
