"""Per-user flood control: a token bucket per user, in memory only.

One person (or a recruiter's script) sending hundreds of messages a minute must slow only themselves:
each user has a bucket of `burst` messages refilled at `rate` per second. The first message over the
limit gets one "slow down" reply; the next ones are dropped silently until the bucket has refilled.
Buckets are keyed by the hashed user ref and forgotten when idle, so nothing grows without bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

DEFAULT_BURST = 12.0  # messages a person can send at once (pasting an offer in parts, tapping buttons)
DEFAULT_RATE = 0.5  # refill per second: 30 a minute sustained, far above a human conversation
IDLE_FORGET_SECONDS = 600.0


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"  # over the limit for the first time: tell them once
    DROP = "drop"  # still over the limit: ignore


@dataclass
class _Bucket:
    tokens: float
    updated: float
    warned: bool = False


class FloodControl:
    def __init__(self, burst: float = DEFAULT_BURST, rate: float = DEFAULT_RATE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._last_sweep = clock()

    def check(self, key: str) -> Verdict:
        now = self.clock()
        self._sweep(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            # Warn again only after they have really slowed down (a full bucket), not after one token.
            if bucket.tokens >= self.burst - 1.0:
                bucket.warned = False
            return Verdict.OK
        if bucket.warned:
            return Verdict.DROP
        bucket.warned = True
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        """Forget idle users (their bucket would be full anyway)."""
        if now - self._last_sweep < IDLE_FORGET_SECONDS:
            return
        self._last_sweep = now
        idle = [k for k, b in self._buckets.items() if now - b.updated > IDLE_FORGET_SECONDS]
        for key in idle:
            del self._buckets[key]

    def __len__(self) -> int:
        return len(self._buckets)
