"""Sorani Kurdish, in Arabic script (with or without its own letters ڕ ڵ ێ ۆ ە)."""

from bot.lang.base import Cue, Language
from bot.lang.ckb import plain, words

LANGUAGE = Language(
    code="ckb", name="کوردی", direction="rtl", script="arabic",
    function_words=words.FUNCTION_WORDS | plain.WORDS,
    cues=(Cue(words.SORANI_LETTERS, 3, "text"), Cue(words.KURDISH_KEYBOARD, 1, "word"),
          Cue(plain.SPLIT_ENDING, 2, "text")),
    extra={"to_plain": plain.TO_PLAIN, "doubled": plain.DOUBLED},
    tiebreak=3,
    stem_suffixes=words.STEM_SUFFIXES,
)

__all__ = ["LANGUAGE"]
