"""Arabic: Iraqi and other dialects in Arabic script, and typed in Latin letters (arabizi)."""

from bot.lang.ar import arabizi, words
from bot.lang.base import Cue, Language

LANGUAGE = Language(
    code="ar", name="العربية", direction="rtl", script="arabic",
    function_words=words.FUNCTION_WORDS,
    cues=(Cue(words.ONLY_ARABIC_LETTERS, 3, "text"), Cue(words.ARTICLE, 1, "folded-word")),
    latin_words=arabizi.WORDS,
    latin_cues=(Cue(arabizi.DIGIT_IN_WORD, 3, "lowered"), Cue(arabizi.SHAPE, 1, "word")),
    tiebreak=2,
    stem_suffixes=words.STEM_SUFFIXES, stem_prefixes=words.STEM_PREFIXES,
)

__all__ = ["LANGUAGE"]
