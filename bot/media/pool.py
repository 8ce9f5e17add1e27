"""Files read in worker processes, so that nobody waits for somebody else's picture.

Why processes, not threads: OCR is CPU work that would hold the bot's interpreter, and a hostile file (a PDF
that decompresses to gigabytes, a picture that crashes a decoder) must cost a worker, never the bot. Each
worker has a bounded address space (Limits.worker_memory), runs at a lower priority than the bot (the bot's
replies to others come first on a busy machine), and is killed if a file overruns its time limit; a new one
takes its place. Workers start on the first file, so the bot's own start is unchanged.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bot.media.ocr import find_tessdata
from bot.media.reading import Limits, Problem, Reading, Unreadable

# Beyond the file's own time limit: a worker's start (imports, about 0.5 s) and loading a model (about 0.3 s).
GRACE_SECONDS = 10.0
WORKER_NICENESS = 5

_worker_ocr = None  # in a worker process: its Tesseract, loaded on the first picture


def _init_worker(tessdata: str | None, memory: int) -> None:
    global _worker_ocr
    with contextlib.suppress(OSError):
        os.nice(WORKER_NICENESS)
    with contextlib.suppress(ValueError, OSError, ImportError):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if tessdata:
        from bot.media.ocr import Tesseract

        _worker_ocr = Tesseract(Path(tessdata))


def _work(data: bytes, limits: Limits) -> Reading:
    from bot.media.read import read_bytes

    try:
        return read_bytes(data, limits, _worker_ocr)
    except MemoryError:
        raise Unreadable(Problem.TOO_LARGE, "reading it needs more memory than allowed") from None


def ocr_installed(tessdata: Path | None = None) -> bool:
    """Whether pictures can be read here: tesserocr importable and Tesseract's language data found."""
    return importlib.util.find_spec("tesserocr") is not None and find_tessdata(tessdata) is not None


class MediaReader:
    """Reads pictures and PDFs in `workers` processes; at most `max_waiting` files at once (then BUSY)."""

    def __init__(self, limits: Limits | None = None, tessdata: Path | None = None, workers: int | None = None,
                 max_waiting: int = 16) -> None:
        self.limits = limits or Limits()
        self.tessdata = find_tessdata(tessdata) if importlib.util.find_spec("tesserocr") else None
        self.workers = workers or max(1, (os.cpu_count() or 2) - 1)  # one core stays with the bot
        self.max_waiting = max_waiting
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._in_flight = 0

    @property
    def can_ocr(self) -> bool:
        return self.tessdata is not None

    @property
    def can_read_pdf(self) -> bool:
        return importlib.util.find_spec("pypdfium2") is not None

    # -- the pool ------------------------------------------------------------------------------------
    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                # spawn, not fork: the bot has threads (and an event loop) that a forked child would inherit.
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                    initargs=(str(self.tessdata) if self.tessdata else None, self.limits.worker_memory))
            return self._pool

    def _discard(self, pool: ProcessPoolExecutor, kill: bool) -> None:
        """Drop a pool whose worker overran its time or died; the next file starts a new one."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        if kill:
            for process in list(getattr(pool, "_processes", {}).values()):  # no public way to stop a task
                with contextlib.suppress(Exception):
                    process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _admit(self, data: bytes) -> None:
        if not data:
            raise Unreadable(Problem.EMPTY, "the file is empty")
        if len(data) > self.limits.max_bytes:
            raise Unreadable.too_large(len(data), self.limits)
        with self._lock:
            if self._in_flight >= self.max_waiting:
                raise Unreadable(Problem.BUSY, "too many files being read")
            self._in_flight += 1

    def _done(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _submit(self, data: bytes) -> tuple[ProcessPoolExecutor, Future]:
        pool = self._executor()
        try:
            return pool, pool.submit(_work, data, self.limits)
        except (BrokenProcessPool, RuntimeError):  # died since it was made: one new pool
            self._discard(pool, kill=True)
            pool = self._executor()
            return pool, pool.submit(_work, data, self.limits)

    # -- reading -------------------------------------------------------------------------------------
    def read(self, data: bytes) -> Reading:
        """Blocking: for the command line."""
        self._admit(data)
        try:
            for attempt in (1, 2):
                pool, future = self._submit(data)
                try:
                    return future.result(timeout=self.limits.seconds + GRACE_SECONDS)
                except FutureTimeout:
                    self._discard(pool, kill=True)
                    raise Unreadable(Problem.TIMEOUT, "time limit reached") from None
                except BrokenProcessPool:
                    self._discard(pool, kill=True)
                    if attempt == 2:  # it crashed the reader twice: the file, not bad luck
                        raise Unreadable(Problem.CORRUPT, "the file made the reader fail") from None
            raise AssertionError("unreachable")
        finally:
            self._done()

    async def read_async(self, data: bytes) -> Reading:
        """For the bot: awaits the worker without holding the event loop."""
        self._admit(data)
        try:
            for attempt in (1, 2):
                pool, future = self._submit(data)
                try:
                    return await asyncio.wait_for(asyncio.wrap_future(future),
                                                  self.limits.seconds + GRACE_SECONDS)
                except TimeoutError:
                    self._discard(pool, kill=True)
                    raise Unreadable(Problem.TIMEOUT, "time limit reached") from None
                except BrokenProcessPool:
                    # Another person's file may have killed the worker this one was waiting behind: try once more.
                    self._discard(pool, kill=True)
                    if attempt == 2:
                        raise Unreadable(Problem.CORRUPT, "the file made the reader fail") from None
            raise AssertionError("unreachable")
        finally:
            self._done()
