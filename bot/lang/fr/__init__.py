"""French, as our users write it (Cameroonian, West African, SMS spelling)."""

import re

from bot.lang.base import Cue, Language
from bot.lang.fr import words

LANGUAGE = Language(
    code="fr", name="Français", script="latin", function_words=words.FUNCTION_WORDS,
    cues=(Cue(words.ACCENTS, 2, "lowered"), *(Cue(re.escape(e), w, "lowered") for e, w in words.ELISIONS)),
    tiebreak=1,
    stem_suffixes=words.STEM_SUFFIXES,
)

__all__ = ["LANGUAGE"]
