"""Callback data for inline buttons: short, versioned, validated on return.

Telegram gives us back whatever string we put in a button (≤ 64 bytes), and anyone can forge one with a
custom client, so decoding never trusts it: every field is checked against a strict pattern, and
anything unknown, stale (an older version) or malformed decodes to None.

Format: "v1|<kind>[|<arg>]". Kinds map one to one to the engine's Button actions.
"""

from __future__ import annotations

import re

from bot.conversation import OTHER_COUNTRY

VERSION = "v1"
MAX_BYTES = 64  # Telegram's limit for callback_data

# action without argument <-> kind
_SIMPLE = {"hotline": "h", "check": "c", "signs": "s", "ask": "a", "language": "l", "none": "n", "more": "m"}
_SIMPLE_BACK = {kind: action for action, kind in _SIMPLE.items()}
# action prefix with argument <-> kind, with the pattern the argument must match
_WITH_ARG = {"topic": ("t", re.compile(r"[a-z0-9][a-z0-9_-]{0,55}")),
             "lang": ("L", re.compile(r"[a-z]{2,3}")),
             "country": ("C", re.compile(r"[A-Z]{2}"))}
_WITH_ARG_BACK = {kind: (prefix, pattern) for prefix, (kind, pattern) in _WITH_ARG.items()}


def encode(action: str) -> str | None:
    """The callback data for an engine action, or None when it cannot be a button (unknown or too long)."""
    if action in _SIMPLE:
        data = f"{VERSION}|{_SIMPLE[action]}"
    else:
        prefix, _, arg = action.partition(":")
        if prefix == "country" and arg.lower() == "other":
            arg = OTHER_COUNTRY
        if prefix not in _WITH_ARG:
            return None
        kind, pattern = _WITH_ARG[prefix]
        if not pattern.fullmatch(arg):
            return None
        data = f"{VERSION}|{kind}|{arg}"
    return data if len(data.encode("utf-8")) <= MAX_BYTES else None


def decode(data: object) -> str | None:
    """The engine action for callback data, or None for anything forged, stale or unknown. Never raises."""
    if not isinstance(data, str) or len(data) > MAX_BYTES:
        return None
    parts = data.split("|")
    if parts[0] != VERSION:
        return None
    if len(parts) == 2 and parts[1] in _SIMPLE_BACK:
        return _SIMPLE_BACK[parts[1]]
    if len(parts) == 3 and parts[1] in _WITH_ARG_BACK:
        prefix, pattern = _WITH_ARG_BACK[parts[1]]
        if pattern.fullmatch(parts[2]):
            return f"{prefix}:{parts[2]}"
    return None
