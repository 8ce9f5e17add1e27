"""Built objects (the matcher's indexes) kept in the data directory between starts.

Building the matcher from ~4,000 example rows takes over a second at every start; loading the built object
takes a fraction of that, and "from process start to the first answer" is what a person waiting on a bot
restart feels. The cache is only a cache: a missing, old, unreadable or unwritable file means one build.

Pickle runs code when it loads, so every file is signed (HMAC-SHA256) with the deployment's secret key, the
one that hashes user ids (bot.state.store.load_or_create_key): a file written by anyone without that key is never
unpickled.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
_SIGNATURE_BYTES = 32


def fingerprint(parts: Iterable[bytes]) -> str:
    """A digest of everything the built object depends on (its inputs, the code that builds it, Python)."""
    digest = hashlib.sha256(sys.version.encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def source_of(*modules: object) -> list[bytes]:
    """The source files of `modules`: a change to the code that builds an object invalidates its cache."""
    out = []
    for module in modules:
        path = getattr(module, "__file__", None)
        with contextlib.suppress(OSError, TypeError):
            out.append(Path(path).read_bytes())  # type: ignore[arg-type]
    return out


def cached(path: Path | None, key: bytes | None, wanted: str, build: Callable[[], T]) -> T:
    """The object stored at `path` if it was built from `wanted` and signed with `key`; else `build()`,
    stored there for the next start (if the directory is writable)."""
    if path is None or not key:
        return build()
    found = _read(path, key, wanted)
    if found is not None:
        return found
    built = build()
    _write(path, key, wanted, built)
    return built


def _read(path: Path, key: bytes, wanted: str) -> T | None:
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    signature, payload = blob[:_SIGNATURE_BYTES], blob[_SIGNATURE_BYTES:]
    if not hmac.compare_digest(signature, hmac.new(key, payload, hashlib.sha256).digest()):
        log.info("ignoring %s: not signed with this deployment's key", path.name)
        return None
    try:
        stored_for, obj = pickle.loads(payload)
    except Exception:  # an old class layout, a truncated write: rebuild
        return None
    return obj if stored_for == wanted else None


def _write(path: Path, key: bytes, wanted: str, obj: object) -> None:
    tmp: str | None = None
    try:
        payload = pickle.dumps((wanted, obj), protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".build-", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(hmac.new(key, payload, hashlib.sha256).digest() + payload)
        os.replace(tmp, path)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as error:
        log.info("not caching %s (%s)", path.name, error)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
