"""Removing what identifies a person from a question before it is queued for review, and showing user text
on an NGO worker's terminal without letting it act on the terminal.

Only questions the bot could not answer are kept, and only after `scrub`: phone numbers, e-mail addresses,
@handles, links and long digit runs (passport, visa, card numbers) are replaced by placeholders. Digits
are folded first so Arabic-Indic digits are caught too, and invisible characters are removed first so that
a zero-width space inside a number or a handle does not hide it from the patterns.

Invisible means: C0 and C1 controls (escape sequences that retitle, colour or erase a terminal, NUL), the
bidirectional controls (which make a line read in another order than it is stored), zero-width and other
format characters. The zero-width non-joiner is kept between two Arabic-script letters, where it is part of
Persian and Kurdish spelling; anywhere else it goes like the others.

The input is cut (at a word boundary) before any pattern runs, so scrubbing takes time linear in what is
kept, whatever is pasted.
"""

from __future__ import annotations

import json
import re
import unicodedata

from bot.text.normalize import fold

MAX_KEPT_CHARS = 500  # a review needs the question, not a whole pasted contract
# Cut before the patterns: placeholders are shorter than what they replace, so keep room for them to
# shrink the text, but never let a pasted book reach the regular expressions.
MAX_SCANNED_CHARS = 4 * MAX_KEPT_CHARS

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b(?:t\.me|wa\.me|telegram\.me)/\S*"), "[link]"),
    # Starts only where a run of address characters starts (not inside one), so a long run without "@" is
    # read once, not once per position (that was quadratic: 179 ms for 8,192 letters).
    (re.compile(r"(?i)(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "[email]"),
    (re.compile(r"(?<![\w@])@[A-Za-z][\w]{3,}"), "[handle]"),
    (re.compile(r"(?<![\d+])\+?\d[\d\s().-]{5,}\d"), "[number]"),
    (re.compile(r"\d{5,}"), "[number]"),
    (re.compile(r"(?i)\b[a-z]{1,2}\d{6,9}\b"), "[number]"),  # passport-style: letters then digits
)

ZWNJ = "\u200c"
_ARABIC_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06fc\u06ff"
                            r"\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_WHITESPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85")  # str.split() treats them as spaces


def is_invisible(char: str) -> bool:
    """A control (C0, DEL, C1), a format character (bidi controls, zero-width ones, tags, BOM), or a
    line/paragraph separator: nothing a person reads, everything a terminal or a bidi renderer acts on."""
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def _is_spelling(text: str, i: int) -> bool:
    """Whether text[i] is a zero-width non-joiner between two Arabic-script letters (part of the spelling)."""
    return (text[i] == ZWNJ and 0 < i < len(text) - 1 and _ARABIC_LETTER.match(text[i - 1]) is not None
            and _ARABIC_LETTER.match(text[i + 1]) is not None)


def strip_invisible(text: str) -> str:
    """`text` without invisible characters; those that separate like spaces (tab, newline, NEL) become one
    space, and a zero-width non-joiner stays between two Arabic-script letters."""
    out: list[str] = []
    for i, char in enumerate(text):
        if not is_invisible(char) or _is_spelling(text, i):
            out.append(char)
        elif char in _WHITESPACE_CONTROLS or char in "\u2028\u2029":
            out.append(" ")
    return "".join(out)


def scrub(text: str) -> str:
    """The text with personal data replaced and invisible characters removed; whitespace collapsed; at most
    MAX_KEPT_CHARS."""
    if len(text) > MAX_SCANNED_CHARS:
        # Cut at a word boundary, so no number or address is cut in half and half of it kept.
        text = text[:MAX_SCANNED_CHARS].rsplit(None, 1)[0] if not text[MAX_SCANNED_CHARS].isspace() \
            else text[:MAX_SCANNED_CHARS]
    cleaned = fold_digits(strip_invisible(text))
    for pattern, placeholder in _PATTERNS:
        cleaned = pattern.sub(placeholder, cleaned)
    cleaned = " ".join(cleaned.split())
    return cleaned[:MAX_KEPT_CHARS]


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII, the rest of the text untouched."""
    return "".join(fold(ch) if ch.isdigit() else ch for ch in text)


# -- showing user text on a terminal ------------------------------------------------------------------------

def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def show_invisible(text: str, keep: str = "\n") -> str:
    """`text` for a terminal: every invisible character written as a visible escape (ESC as `\\x1b`, a
    right-to-left override as `\\u202e`), except those in `keep` (the output's own line breaks) and a
    zero-width non-joiner inside Arabic-script words."""
    return "".join(char if char in keep or not is_invisible(char) or _is_spelling(text, i) else _escaped(char)
                   for i, char in enumerate(text))


def json_for_terminal(value: object, **dumps: object) -> str:
    """json.dumps(value, ensure_ascii=False, **dumps) with every invisible character written as a JSON
    escape: the same value for a program reading it, nothing a terminal acts on for a person reading it."""
    text = json.dumps(value, ensure_ascii=False, **dumps)  # type: ignore[arg-type]
    out: list[str] = []
    for char in text:
        if char == "\n" or not is_invisible(char):  # real newlines come from `indent`, outside strings
            out.append(char)
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:  # JSON writes characters beyond the BMP as a surrogate pair
            high, low = divmod(ord(char) - 0x10000, 0x400)
            out.append(f"\\u{0xd800 + high:04x}\\u{0xdc00 + low:04x}")
    return "".join(out)
