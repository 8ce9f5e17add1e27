"""Russian, the language of the contracts and of many users (also typed in Latin letters)."""

from bot.lang.base import Language
from bot.lang.ru import words

LANGUAGE = Language(
    code="ru", name="Русский", script="cyrillic", tiebreak=4,
    stem_suffixes=words.STEM_SUFFIXES, stem_final_letters=words.STEM_FINAL_LETTERS,
)

__all__ = ["LANGUAGE"]
