"""Configuration from the environment, in one place (documented in README and .env.example).

Read once, at the edge (the command line builds it and passes it in); nothing below the adapters reads the
environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import bot

TELEGRAM_DEFAULT_BASE_URL = "https://api.telegram.org"
MIN_HASH_KEY_BYTES = 32  # HMAC-SHA256: a key shorter than its 32-byte output can be found by trying keys
NEW_KEY_HINT = "python3 -c 'import secrets; print(secrets.token_hex(32))'"


class ConfigError(ValueError):
    """A setting that must not be used as given; the message says what to do instead."""


def hash_key_from(value: str | None, file: str | None) -> bytes | None:
    """The hashing key from SCAMBOT_HASH_KEY (its UTF-8 bytes) or SCAMBOT_HASH_KEY_FILE (a file holding hex
    only, as the generated hash.key does, is read as hex, so hash.key itself can be moved out of the data
    directory; any other content as its bytes, trailing newline dropped). None: neither is set.

    Raises ConfigError for a key shorter than MIN_HASH_KEY_BYTES or a file that cannot be read."""
    if value:
        key, where = value.encode("utf-8"), "SCAMBOT_HASH_KEY"
    elif file:
        try:
            raw = Path(file).read_bytes().strip()
        except OSError as error:
            raise ConfigError(f"SCAMBOT_HASH_KEY_FILE={file} cannot be read ({error.strerror or error})") from None
        try:
            key = bytes.fromhex(raw.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            key = raw
        where = f"the key in SCAMBOT_HASH_KEY_FILE ({file})"
    else:
        return None
    if len(key) < MIN_HASH_KEY_BYTES:
        raise ConfigError(f"{where} is {len(key)} bytes long; it must be at least {MIN_HASH_KEY_BYTES} (a shorter "
                          f"key can be found by trying keys, and with it every user's reference). Make one with: "
                          f"{NEW_KEY_HINT}")
    return key


def _default_data_dir() -> Path:
    """Where state lives when SCAMBOT_DATA_DIR is unset: the user's data folder, as XDG says."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scambot"


def faq_dir() -> Path:
    """The content folder: SCAMBOT_FAQ_DIR, else the checkout's faq/, else the copy inside the package."""
    named = os.environ.get("SCAMBOT_FAQ_DIR")
    if named:
        return Path(named)
    package = Path(bot.__file__).resolve().parent
    checkout = package.parent / "faq"
    if (checkout / "topics").is_dir():
        return checkout
    return package / "_faq"  # where pyproject.toml ships faq/ inside the wheel


def eval_dir() -> Path:
    """The labelled sets of `scambot eval`: the checkout's eval/ (not shipped in the wheel)."""
    return Path(bot.__file__).resolve().parent.parent / "eval"


def _admins(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            ids.add(int(part))
    return frozenset(ids)


@dataclass(frozen=True)
class Config:
    token: str | None = None
    api_base_url: str = TELEGRAM_DEFAULT_BASE_URL
    admins: frozenset[int] = field(default_factory=frozenset)
    data_dir: Path = field(default_factory=_default_data_dir)
    faq_dir: Path = field(default_factory=faq_dir)
    eval_dir: Path = field(default_factory=eval_dir)
    retention_days: int = 90
    webhook_secret: str | None = None
    hash_key: bytes | None = None  # SCAMBOT_HASH_KEY or SCAMBOT_HASH_KEY_FILE; None: generated into data_dir
    hash_key_file: Path | None = None  # SCAMBOT_HASH_KEY_FILE, to say where the key is kept (bot/keys.py)
    contacts_file: Path | None = None  # SCAMBOT_CONTACTS_FILE; None: data_dir/contacts.yaml if present
    bot_username: str | None = None  # TELEGRAM_BOT_USERNAME, for reach links

    @property
    def contacts_override(self) -> Path | None:
        """The deployer's contacts file: SCAMBOT_CONTACTS_FILE, else contacts.yaml in the data directory."""
        if self.contacts_file is not None:
            return self.contacts_file
        default = self.data_dir / "contacts.yaml"
        return default if default.is_file() else None

    @classmethod
    def from_env(cls) -> Config:
        """Raises ConfigError for a setting that must not be used (a hashing key too short)."""
        env = os.environ
        key_file = None if env.get("SCAMBOT_HASH_KEY") else env.get("SCAMBOT_HASH_KEY_FILE") or None
        retention = env.get("SCAMBOT_RETENTION_DAYS", "90")
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_base_url=(env.get("TELEGRAM_API_BASE_URL") or TELEGRAM_DEFAULT_BASE_URL).rstrip("/"),
            admins=_admins(env.get("SCAMBOT_ADMINS", "")),
            data_dir=Path(env["SCAMBOT_DATA_DIR"]) if env.get("SCAMBOT_DATA_DIR") else _default_data_dir(),
            faq_dir=faq_dir(),
            eval_dir=eval_dir(),
            retention_days=int(retention) if retention.isdigit() else 90,
            webhook_secret=env.get("SCAMBOT_WEBHOOK_SECRET") or None,
            hash_key=hash_key_from(env.get("SCAMBOT_HASH_KEY"), key_file),
            hash_key_file=Path(key_file) if key_file else None,
            contacts_file=Path(env["SCAMBOT_CONTACTS_FILE"]) if env.get("SCAMBOT_CONTACTS_FILE") else None,
            bot_username=env.get("TELEGRAM_BOT_USERNAME") or None,
        )
