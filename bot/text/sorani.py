"""The plain-letter view of Sorani (the spellings are data: bot/lang/ckb/plain.py)."""

from __future__ import annotations

import re
from functools import cache

from bot.lang import get

_SPACE_AFTER_HEH = re.compile(r"ه (?=\S)")


@cache
def _tables() -> tuple[dict[int, str], tuple[tuple[str, str], ...]]:
    extra = get("ckb").extra
    letters: dict[str, str] = extra.get("to_plain", {})  # type: ignore[assignment]
    doubled: dict[str, str] = extra.get("doubled", {})  # type: ignore[assignment]
    return str.maketrans(letters), tuple(doubled.items())


def plain_sorani(norm: str) -> str:
    """A normalised Sorani text as people type it without Sorani letters, the space after ه closed up."""
    letters, doubled = _tables()
    out = norm.translate(letters)
    for source, target in doubled:
        out = out.replace(source, target)
    return _SPACE_AFTER_HEH.sub("ه", out)
