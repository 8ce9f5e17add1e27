"""Russian, the language of the contracts and of many users (also typed in Latin letters)."""

from bot.lang.base import Cue, Language
from bot.lang.ru import latin, words

LANGUAGE = Language(
    code="ru", name="Русский", script="cyrillic", tiebreak=4,
    stem_suffixes=words.STEM_SUFFIXES, stem_final_letters=words.STEM_FINAL_LETTERS,
    latin_words=latin.WORDS, latin_cues=(Cue(latin.SHAPE, 1, "word"),),
    extra={"to_cyrillic": latin.TO_CYRILLIC},
)

__all__ = ["LANGUAGE"]
