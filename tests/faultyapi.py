"""FakeBotAPI with what the reliability suite needs on top (tests/fakebotapi.py is left as it is).

- `accepted`: every call the server carried out (not refused, not faulted), with the time it was done,
  and `on_accepted`, a hook called for each (the load driver uses it to send a user's next message);
- two more fault kinds beside "429", "502", "drop" and "hang" (which all happen *before* the call is
  carried out): "lost", where the call is carried out and then the connection closes without an answer
  (the request reached Telegram, the reply never came back), for injection and for random faults;
  `fault_kinds` picks the kinds random faults draw from, `fault_methods` the methods they hit, and
  `fault_budget` caps a kind (a "hang" costs the client its whole read timeout);
- `hold(methods)` / `release(discard=True)`: a gate that parks calls of those methods before they are
  carried out; released with discard, the parked calls are dropped unanswered and not carried out. With
  it a test can kill the bot at a moment when it is known which messages Telegram accepted.

What would be worth adding upstream (tests/fakebotapi.py): the accepted-call log with timestamps, the
"lost" kind (a reply that never comes *after* the call took effect), per-kind caps for random faults,
the gate, and refusing a request whose body is cut short (a client killed mid-request): fakebotapi
parses the part that arrived and answers "chat not found", where Telegram would never see the request.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fakebotapi import FakeBotAPI, _decode_params, _Handler, _QuietServer

FAULT_KINDS = ("429", "502", "drop", "hang", "lost")


class LostReply(Exception):
    """Raised after a call was carried out: the HTTP server closes the connection without an answer."""


class _WholeRequestHandler(_Handler):
    """A request whose body is shorter than its Content-Length (the client died while sending) is dropped."""

    def _read_params(self) -> dict[str, Any]:
        url = urlsplit(self.path)
        raw: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionResetError("request body cut short")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and kind == "application/json":
            return {**_decode_params(raw), **json.loads(body.decode("utf-8"))}
        if body:
            raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return _decode_params(raw)


class FaultyBotAPI(FakeBotAPI):
    def __init__(self, token: str = "7312345678:AAHfakeTokenForReliabilityTests_0123456",
                 username: str = "scamcheck_test_bot") -> None:
        super().__init__(token=token, username=username)
        self.fault_kinds: tuple[str, ...] = ("429", "502", "drop", "hang")
        self.fault_methods: frozenset[str] | None = None  # None: every method
        self.fault_budget: dict[str, int] = {}  # kind -> at most this many random faults of it
        self.faults_served: Counter[str] = Counter()
        self.accepted: list[tuple[float, str, dict, Any]] = []
        self.on_accepted: Callable[[str, dict, Any, float], None] | None = None
        self._held: frozenset[str] = frozenset()
        self._gate = threading.Event()
        self._gate.set()
        self._discard_held = False
        self.parked = 0
        self._local = threading.local()

    def start(self) -> None:
        fake = self

        class Handler(_WholeRequestHandler):
            api = fake

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="faultyapi", daemon=True)
        self._thread.start()

    # -- faults --------------------------------------------------------------------------------
    def inject(self, method: str | None, kind: str, times: int = 1, retry_after: int = 1) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._cond:
            self._faults.append([method, kind, times, retry_after])

    def _fault_for(self, method: str) -> tuple[str, int] | None:
        kind: str | None = None
        retry_after = 1
        with self._cond:
            for fault in self._faults:
                if fault[0] in (None, method) and fault[2] > 0:
                    fault[2] -= 1
                    kind, retry_after = fault[1], fault[3]
                    break
            self._faults = [f for f in self._faults if f[2] > 0]
            if kind is None and self.fail_rate and (self.fault_methods is None or method in self.fault_methods) \
                    and self._random.random() < self.fail_rate:
                kind = self._random.choice(self.fault_kinds)
                if kind in self.fault_budget:
                    if self.fault_budget[kind] <= 0:
                        kind = None
                    else:
                        self.fault_budget[kind] -= 1
            if kind is not None:
                self.faults_served[f"{method}:{kind}"] += 1
        if kind is None:
            return None
        if kind == "lost":  # carried out below, then the answer is withheld
            self._local.lose = True
            return None
        return kind, retry_after

    # -- the gate --------------------------------------------------------------------------------
    def hold(self, methods: set[str] | frozenset[str]) -> None:
        """Park every new call of `methods` before it is carried out, until `release`."""
        self._discard_held = False
        self._held = frozenset(methods)
        self._gate.clear()

    def release(self, discard: bool = True) -> None:
        """Open the gate; with `discard`, the parked calls are dropped unanswered and never carried out."""
        self._discard_held = discard
        self._held = frozenset()
        self._gate.set()

    # -- carrying out calls ---------------------------------------------------------------------
    def handle(self, method: str, params: dict) -> Any:
        lose = getattr(self._local, "lose", False)
        self._local.lose = False
        if method in self._held:
            with self._cond:
                self.parked += 1
            while not self._gate.wait(0.1):
                if self._stopping.is_set():
                    raise LostReply(method)
            if self._discard_held:
                raise LostReply(method)
        result = super().handle(method, params)
        now = time.monotonic()
        with self._cond:
            self.accepted.append((now, method, params, result))
        hook = self.on_accepted
        if hook is not None:
            hook(method, params, result, now)
        if lose:
            raise LostReply(method)
        return result

    def expect_query(self, query_id: str, inline: bool = False) -> None:
        """Make a callback (or inline) query id valid, for updates built by a test rather than add_callback."""
        with self._cond:
            (self._inline_ids if inline else self._callback_ids).add(query_id)

    def accepted_of(self, method: str) -> list[dict]:
        with self._cond:
            return [params for _, name, params, _ in self.accepted if name == method]
