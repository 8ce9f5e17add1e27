"""Arabic words as data: language identification and stemming (all folded: ا for أ, ه for ة, ي for ى)."""

from __future__ import annotations

from bot.lang.base import longest_first, word_set

# Frequent words, MSA and Iraqi, that tell Arabic from Sorani in Arabic script.
FUNCTION_WORDS = word_set(
    "ابني اخوي اخويه اريد اكو التي الذي الي انا انت بعد حتي شكو شلون علي عن عندي في كان كيف لماذا له "
    "لي ليش ما ماذا ماكو مع من هذا هذه هل هواي هوايه يكون يمعود "
)

# ة ى ث ذ ض ظ أ إ: letters Sorani does not use
ONLY_ARABIC_LETTERS = "[\u0629\u0649\u062b\u0630\u0636\u0638\u0623\u0625]"
ARTICLE = "^\u0627\u0644"  # ال opening a folded word

# Pronoun and plural endings (folded: ة is ه).
STEM_SUFFIXES = longest_first(
    "هما كما ها هم هن نا كم كن ات ون ين يه وه ه ي ك "
)

# Article and one-letter proclitics glued in front (و and, ب with, ل for, ف so, ك as).
STEM_PREFIXES = longest_first(
    "وال بال فال كال لل ال و ب ل ف "
)
