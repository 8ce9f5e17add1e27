"""Russian typed in Latin letters, back into Cyrillic (the letter groups are data: bot/lang/ru/latin.py)."""

from __future__ import annotations

import re
from functools import cache

from bot.lang import get

_LATIN_WORD = re.compile(r"[A-Za-z']+")


@cache
def _table() -> tuple[tuple[str, str], ...]:
    return tuple(get("ru").extra.get("to_cyrillic", ()))  # type: ignore[arg-type]


def latin_to_cyrillic(text: str) -> str:
    """Each Latin word of `text` spelled in Cyrillic; everything else unchanged."""
    table = _table()

    def word(match: re.Match[str]) -> str:
        latin, out, i = match.group(0).lower(), [], 0
        while i < len(latin):
            for source, target in table:
                if latin.startswith(source, i):
                    out.append(target)
                    i += len(source)
                    break
            else:
                out.append(latin[i])
                i += 1
        cyr = "".join(out)
        # "-iy"/"-yy" endings were written for -ий/-ый; a final "ы" after a vowel was й ("moy", "seychas" mid-word)
        return re.sub(r"(?<=[аеёиоуэюя])ы", "й", cyr)

    return _LATIN_WORD.sub(word, text)
