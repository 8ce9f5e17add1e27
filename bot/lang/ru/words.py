"""Russian words as data (folded: ё is е)."""

from __future__ import annotations

from bot.lang.base import longest_first

# Case, number and verb endings.
STEM_SUFFIXES = longest_first(
    "иями ться ями ами ого его ому ему ыми ими тся ешь ете ишь ите ала ила али или ыла ыли ает яет "
    "ует ают яют уют ией ием иях иям ал ил ел ял ии ое ее ие ые ой ей ий ый ая яя ую юю ом ем ам ям "
    "ах ях ов ев ию ия ть ла ли ло ет ит ут ют ат ят а я о е ы и у ю ь й "
)

STEM_FINAL_LETTERS = "иьй"  # dropped from a stem longer than three letters ("армии" -> "арм")
