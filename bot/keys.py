"""The deployment's secret key: it hashes user ids (bot.state) and signs the start-up caches (bot.content).

Given by the deployer (SCAMBOT_HASH_KEY, read by bot.config), or generated once into the data directory
(owner-only), so that a deployment with no configuration still hashes consistently across restarts.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

KEY_NAME = "hash.key"


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
