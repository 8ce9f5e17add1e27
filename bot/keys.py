"""The deployment's secret key, and the data directory that holds it and the state.

The key hashes user ids (bot.state) and signs the start-up caches (bot.content). Given by the deployer
(SCAMBOT_HASH_KEY or SCAMBOT_HASH_KEY_FILE, read by bot.config), or generated once into the data directory
(owner-only), so that a deployment with no configuration still hashes consistently across restarts.

The data directory is the bot's alone: created 0700, every file in it 0600 (the command line also sets
the umask to 077 at start), and a directory or file found open to others is corrected, with one log line.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

log = logging.getLogger(__name__)

KEY_NAME = "hash.key"
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def make_private_dir(path: Path) -> None:
    """Create `path` (and parents) if missing, the directory itself 0700 (an existing one: `tighten_modes`)."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create `path` empty and 0600 unless it exists: SQLite gives its -wal and -shm files the database's mode."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))


def tighten_modes(data_dir: Path) -> list[str]:
    """Take group and other permissions away from the data directory, its files and its cache; say what
    changed in one log line. Returns the paths corrected (nothing when all was private already)."""
    corrected: list[str] = []
    candidates = [data_dir]
    try:
        candidates += sorted(data_dir.iterdir())
        cache = data_dir / "cache"
        if cache.is_dir():
            candidates += sorted(cache.iterdir())
    except OSError:
        return corrected
    for path in candidates:
        try:
            info = path.lstat()
            if info.st_uid != os.getuid() or not (stat.S_ISDIR(info.st_mode) or stat.S_ISREG(info.st_mode)):
                continue
            mode = stat.S_IMODE(info.st_mode)
            if mode & 0o077:
                path.chmod(mode & 0o700)
                corrected.append(f"{path.name or path} {mode:04o}->{mode & 0o700:04o}")
        except OSError:  # a read-only disk, a file gone meanwhile: nothing to correct here
            continue
    if corrected:
        log.warning("data directory %s was readable by other accounts; corrected: %s", data_dir,
                    ", ".join(corrected))
    return corrected


def key_beside_data(data_dir: Path, configured: bytes | None, key_file: Path | None = None) -> str | None:
    """A warning when the hashing key is kept in the data directory, next to the database it protects
    (whoever copies the folder then has both); None when it is kept apart."""
    if configured and key_file is None:
        return None  # from the environment, not from a file of the data directory
    where = key_file if key_file is not None else data_dir / KEY_NAME
    try:
        inside = where.resolve().is_relative_to(data_dir.resolve())
    except OSError:
        inside = True
    if not inside:
        return None
    return (f"the hashing key is kept in the data directory ({where}), beside state.db: a copy of the folder "
            "links subscribers' chat ids to their rows. Keep it apart: SCAMBOT_HASH_KEY_FILE pointing outside "
            "the data directory (e.g. a Docker secret) or SCAMBOT_HASH_KEY from a secret store (docs/PRIVACY.md)")


def load_or_create_key(data_dir: Path, configured: bytes | None = None) -> bytes:
    """The hashing key: `configured` (from SCAMBOT_HASH_KEY), else data_dir/hash.key, generated once (0600)."""
    if configured:
        return configured
    path = data_dir / KEY_NAME
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        pass
    key = secrets.token_bytes(32)
    try:
        make_private_dir(data_dir)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.hex())
    except FileExistsError:  # another process created it first: use theirs
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as error:
        # A read-only disk: hashes stay consistent for this run only; nothing is stored anyway.
        log.warning("cannot store the hashing key in %s (%s); using a key for this run only", data_dir, error)
    return key
