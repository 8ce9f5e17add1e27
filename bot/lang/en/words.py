"""English words as data."""

from __future__ import annotations

from bot.lang.base import longest_first, word_set

# Frequent words (and the bot's own subjects) that tell English among Latin-script texts.
FUNCTION_WORDS = word_set(
    "a about an and are at be brother can contract did do does for from has have he hello help hi how "
    "i in is it job me my of offer on passport please russia safe she should son study thanks that "
    "the they this to visa was we what when where who why will with work you "
)

# Inflection endings.
STEM_SUFFIXES = longest_first(
    "ies ing ed es s "
)
