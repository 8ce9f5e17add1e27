"""Sorani Kurdish words as data (folded: ي for ی, ك for ک; ە ێ ۆ ڕ ڵ ڤ stay distinct)."""

from __future__ import annotations

from bot.lang.base import longest_first, word_set

# Frequent Sorani words that tell it from Arabic in Arabic script.
FUNCTION_WORDS = word_set(
    "يايا يێمە يەم يەو يەوە باوكم براكەم بكەم بۆ بەڵام تۆ خوێندن دايكم دەتوانم دەكرێت دەمەوێت رووسيا "
    "كار كارێك كوڕ كوڕەكەم كە لە من ناردن نييە هەيه هەيە و يان پارە چون چي چييە چۆن ڕووسيا "
)

SORANI_LETTERS = "[\u06d5\u06ce\u06c6\u0695\u06b5\u06a4]"  # ە ێ ۆ ڕ ڵ ڤ: letters only Sorani uses
# Kurdish keyboards type ی ک (Persian yeh and kaf) where Arabic keyboards type ي ك, and پ is a Kurdish letter that
# Arabic borrows rarely: weak evidence, one point a word, that decides short messages ("سوپاس", "باشی").
KURDISH_KEYBOARD = "[\u06cc\u06a9\u067e]"  # ی ک پ

# Definite -ەکە, plural -ان/-ەکان, indefinite -ێک, pronoun endings (folded).
STEM_SUFFIXES = longest_first(
    "ەكانمان ەكانيان ەكانتان ەكەمان ەكەيان ەكانم ەكانت ەكاني يەكان ەكان ەكەم ەكەت ەكەي يەكە ەكە ێكي "
    "يان مان تان ێك ەم ەي ان م ي ە "
)
