"""Removing what identifies a person from a question before it is queued for review.

Only questions the bot could not answer are kept, and only after this: phone numbers, e-mail addresses,
@handles, links and long digit runs (passport, visa, card numbers) are replaced by placeholders. Digits
are folded first so Arabic-Indic digits are caught too.
"""

from __future__ import annotations

import re

from bot.text.normalize import fold

MAX_KEPT_CHARS = 500  # a review needs the question, not a whole pasted contract

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b(?:t\.me|wa\.me|telegram\.me)/\S*"), "[link]"),
    (re.compile(r"(?i)\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "[email]"),
    (re.compile(r"(?<![\w@])@[A-Za-z][\w]{3,}"), "[handle]"),
    (re.compile(r"\+?\d[\d\s().-]{5,}\d"), "[number]"),
    (re.compile(r"\d{5,}"), "[number]"),
    (re.compile(r"(?i)\b[a-z]{1,2}\d{6,9}\b"), "[number]"),  # passport-style: letters then digits
)


def scrub(text: str) -> str:
    """The text with personal data replaced; whitespace collapsed; at most MAX_KEPT_CHARS."""
    cleaned = fold_digits(text)
    for pattern, placeholder in _PATTERNS:
        cleaned = pattern.sub(placeholder, cleaned)
    cleaned = " ".join(cleaned.split())
    return cleaned[:MAX_KEPT_CHARS]


def fold_digits(text: str) -> str:
    """Arabic-Indic and Persian digits as ASCII, the rest of the text untouched."""
    return "".join(fold(ch) if ch.isdigit() else ch for ch in text)
