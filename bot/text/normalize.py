"""Text normalisation per script, so that the ways people type the same word compare equal.

Two levels:
- `fold` / `fold_with_offsets`: character-level folding that keeps words intact (the offer checker runs its
  patterns over it and maps hits back to the original text through the offsets);
- `normalize` / `tokens`: folding plus punctuation and symbols turned into spaces (the matcher uses it).

What folding does, and why:
- zero-width and bidirectional control characters vanish: copied text from apps is full of them and they
  split words invisibly;
- control characters and lone surrogates become spaces: any input must be safe;
- Latin: case folded, accents removed ("réponse" = "reponse"), because people skip accents on phones;
- Cyrillic: case folded, ё -> е (most Russians type е); й is kept, it is a different letter;
- Arabic: diacritics and tatweel removed; alef with hamza or madda -> ا; ؤ -> و; ئ and ى -> ي; ة -> ه;
- Arabic/Persian look-alike code points are unified (ی -> ي, ک -> ك, ھ -> ه), while the letters that
  Sorani Kurdish tells apart stay distinct (ە is not ه, ێ is not ي, ۆ is not و, ڕ is not ر, ڵ is not ل);
- Arabic-Indic and Persian digits -> 0-9, so "٢٠٠٠" reads as "2000".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.lang import get as get_language

# Invisible characters that change nothing a reader sees but break string comparison.
_INVISIBLE = {
    0x00AD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063,
    0x2064, 0xFEFF, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
}

# Arabic-script letters folded by hand: NFKD does not touch them, or does it wrongly for Sorani.
_ARABIC_MAP = {
    "\u0629": "\u0647",  # ة -> ه (taa marbuta is written as ه in dialect)
    "\u0649": "\u064a",  # ى -> ي
    "\u06cc": "\u064a",  # Persian/Kurdish ی -> Arabic ي (the same letter on another keyboard)
    "\u06a9": "\u0643",  # ک -> ك
    "\u06be": "\u0647",  # ھ (heh doachashmee, Sorani h) -> ه
    "\u06c1": "\u0647",  # ہ -> ه
    "\u0640": "",  # tatweel: stretching only
    "\u0621": "",  # lone hamza: often left out in typing
    "\u060c": ",",  # Arabic comma
    "\u061f": "?",  # Arabic question mark
    "\u061b": ";",  # Arabic semicolon
    "\u066a": "%",
}

# Sorani letters that NFKD would leave alone anyway, listed so no future change folds them by mistake.
SORANI_DISTINCT = "\u06d5\u06ce\u06c6\u0695\u06b5\u06a4\u06af\u0686\u067e\u0698"  # ە ێ ۆ ڕ ڵ ڤ گ چ پ ژ

_KEEP_AS_IS = {"\u0439", "\u0419"}  # й Й: NFKD would turn it into и


def _fold_char(ch: str) -> str:
    """Fold one character; the result may be empty or longer than one character."""
    code = ord(ch)
    if code in _INVISIBLE:
        return ""
    if 0xD800 <= code <= 0xDFFF:  # lone surrogate: cannot be encoded, never a letter
        return " "
    if ch in _ARABIC_MAP:
        return _ARABIC_MAP[ch]
    if ch in SORANI_DISTINCT:
        return ch
    category = unicodedata.category(ch)
    if category == "Cc":
        return " " if ch not in "\n\t" else ch
    if category in ("Cf", "Cs", "Co", "Cn"):
        return ""
    if category == "Nd":
        return str(unicodedata.digit(ch))
    if ch in _KEEP_AS_IS:
        return ch.lower()
    if ch in "ёЁ":
        return "е"
    out = []
    for part in unicodedata.normalize("NFKD", ch.casefold()):
        if unicodedata.category(part) == "Mn":  # accents, Arabic harakat, hamza above/below, madda
            continue
        out.append(_ARABIC_MAP.get(part, part))
    return "".join(out)


class _FoldTable(dict):
    """str.translate table that folds each character once and remembers the answer."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        self[code] = folded
        return folded


_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Fold `text` character by character (see the module docstring)."""
    return text.translate(_TABLE)


def fold_with_offsets(text: str) -> tuple[str, list[int]]:
    """Fold `text`; also return, for each folded character, the index of the original character.

    The offer checker matches over the folded text and quotes evidence from the original through these
    offsets, so what it shows the user is exactly what the user pasted.
    """
    parts: list[str] = []
    offsets: list[int] = []
    table = _TABLE
    for index, ch in enumerate(text):
        folded = table[ord(ch)]
        if folded:
            parts.append(folded)
            offsets.extend([index] * len(folded))
    return "".join(parts), offsets


# Anything that is not a letter or a digit separates words for matching.
_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Fold, then turn punctuation, symbols and emoji into single spaces. For matching, not for display."""
    return _NON_WORD.sub(" ", fold(text)).strip()


def tokens(text: str) -> list[str]:
    return normalize(text).split()


_ARABIC_LETTER = re.compile(r"[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")
_LATIN_LETTER = re.compile(r"[a-zA-Z\u00c0-\u024f]")


def script_counts(text: str) -> dict[str, int]:
    """How many Arabic-script, Cyrillic and Latin letters the text has."""
    return {
        "arabic": len(_ARABIC_LETTER.findall(text)),
        "cyrillic": len(_CYRILLIC_LETTER.findall(text)),
        "latin": len(_LATIN_LETTER.findall(text)),
    }


# Light stemming, per language, on normalised words: only inflection and glued clitics are removed, so that
# "паспорта"/"паспортом"/"паспорт", "جوازي"/"بالجواز"/"جواز", "پاسپۆرتەکەم"/"پاسپۆرت",
# "passports"/"passport" compare equal as whole words. Wrong stems cost little: the matcher uses them beside
# character n-grams, never instead of them. The endings and prefixes of each language are data in
# bot/lang/<code>/ (longest first); a stem keeps at least three letters.
@lru_cache(maxsize=65536)  # bounded: words are user-controlled
def stem(word: str, lang: str) -> str:
    """A light stem of one normalised word in `lang` (see above); unknown languages are left alone."""
    try:
        language = get_language(lang)
    except KeyError:
        return word
    if language.script == "arabic" and language.latin_words and not ("\u0600" <= word[:1] <= "\u06ff"):
        return word  # arabizi: its consonant skeleton (bot/text/arabizi.py) already ignores the endings
    for prefix in language.stem_prefixes:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            word = word[len(prefix):]
            break
    for suffix in language.stem_suffixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if language.stem_final_letters and len(word) > 3 and word[-1] in language.stem_final_letters:
        word = word[:-1]
    return word
