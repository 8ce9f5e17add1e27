"""English, as our users write it (South Asian, West and East African English, learners)."""

from bot.lang.base import Language
from bot.lang.en import words

LANGUAGE = Language(
    code="en", name="English", script="latin", function_words=words.FUNCTION_WORDS, tiebreak=0,
    stem_suffixes=words.STEM_SUFFIXES,
)

__all__ = ["LANGUAGE"]
