"""What a language module fills in: one frozen `Language` per language, data only (the spaCy way: each
language's folder exports constants; the shared code that uses them lives in bot/text and above).

A small language fills few slots: everything has an empty default.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Cue:
    """Evidence that a text is in this language: `weight` points per hit of `pattern` (a regex source).

    `over`: what the pattern is searched in: "text" (the raw text, every match counts), "lowered" (the lower-cased
    text, every match counts), "word" (each word counts once if the pattern is found in it), "folded-word" (the
    same over folded words)."""

    pattern: str
    weight: int
    over: str = "text"


@dataclass(frozen=True)
class Language:
    code: str  # ISO 639 code, as faq/ and the strings use it
    name: str  # in the language itself
    direction: str = "ltr"  # "rtl" for Arabic script
    script: str = "latin"  # "arabic" | "cyrillic" | "latin": the script it is normally written in
    # Language identification (bot/text/langid.py): frequent words, already folded, 2 points a word found ...
    function_words: frozenset[str] = frozenset()
    # ... and other cues, in the same points.
    cues: tuple[Cue, ...] = ()
    # Written in Latin letters too (Arabic as "arabizi"): which words and cues tell it in Latin text.
    latin_words: frozenset[str] = frozenset()
    latin_cues: tuple[Cue, ...] = ()
    tiebreak: int = 9  # between candidates of one script with the same points, the lowest wins
    # Light stemming (bot/text/normalize.py `stem`), normalised forms, longest first.
    stem_suffixes: tuple[str, ...] = ()
    stem_prefixes: tuple[str, ...] = ()
    stem_final_letters: str = ""  # one of these is dropped from the end of a stem longer than three letters
    extra: dict[str, object] = field(default_factory=dict)  # anything a component documents for itself


def word_set(words: str) -> frozenset[str]:
    """A frozenset from a whitespace-separated string: data that reads as a list of words."""
    return frozenset(words.split())


def longest_first(words: str) -> tuple[str, ...]:
    """Endings or prefixes, longest first, so that the longest that fits is removed."""
    return tuple(sorted(words.split(), key=len, reverse=True))
