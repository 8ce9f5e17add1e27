"""Arabic typed in Latin letters ("arabizi"), as data: how its letters and digraphs map to Arabic consonants,
the words that tell it from English and French, and the shapes English and French (almost) never have.

The algorithm that uses the maps (consonant skeletons) is bot/text/arabizi.py; language identification is
bot/text/langid.py. Writers differ: 3 = ع, 7 = ح, 5 = خ, 6 = ط, 9 = ص or ق, 8 = غ or ق, 2 = ء; "ch" and "g"
stand for چ and گ.
"""

from __future__ import annotations

from bot.lang.base import word_set

# Longest first: digraphs before single letters.
DIGRAPHS: tuple[tuple[str, str], ...] = (
    ('sh', 'ش'),
    ('ch', 'چ'),
    ('kh', 'خ'),
    ('gh', 'غ'),
    ('th', 'ذ'),
    ('dh', 'ذ'),
    ('ou', ''),
    ('oo', ''),
    ('ee', ''),
    ('aa', ''),
    ('ei', ''),
    ('ai', ''),
)
LETTERS: dict[str, str] = {
    '2': '',
    '3': 'ع',
    '5': 'خ',
    '6': 'ط',
    '7': 'ح',
    '8': 'غ',
    '9': 'ص',
    'a': '',
    'e': '',
    'i': '',
    'o': '',
    'u': '',
    'y': '',
    'w': '',
    'b': 'ب',
    'p': 'ب',
    't': 'ت',
    'j': 'ج',
    'd': 'د',
    'r': 'ر',
    'z': 'ز',
    's': 'س',
    'f': 'ف',
    'v': 'ف',
    'q': 'ق',
    'k': 'ك',
    'c': 'ك',
    'l': 'ل',
    'm': 'م',
    'n': 'ن',
    'h': 'ه',
    'g': 'گ',
    'x': 'كس',
}
# Letters that Arabic script usually writes as long vowels, or that dialects swap freely.
SKELETON_DROP: dict[str, str] = {
    'ا': '',
    'و': '',
    'ي': '',
    'ى': '',
    'ء': '',
    'ه': 'ه',
    'ة': 'ه',
}
# Iraqi speech keeps the interdentals and types them all "th"/"dh" ("hatha" for هذا, "kathir" for كثير), so
# ث ذ ظ are one class, ض is typed "d" ("3ard"); ق ك ج چ گ are one class because Iraqi says ك as "ch" and
# ق as "g" ("chan", "gal").
SKELETON_SWAP: dict[str, str] = {
    'ق': 'گ',
    'ك': 'گ',
    'ج': 'گ',
    'چ': 'گ',
    'ظ': 'ذ',
    'ث': 'ذ',
    'ض': 'د',
    'ص': 'س',
    'ط': 'ت',
}
# One-letter prefixes that arabizi often types as separate words ("b rusia", "w tgol", "l moscow", "bil jaish")
# while Arabic script glues them to the next word.
PREFIX_WORDS: dict[str, str] = {
    'b': 'b',
    'bi': 'b',
    'w': 'w',
    'wi': 'w',
    'l': 'l',
    'li': 'l',
    'f': 'f',
    'bil': 'bil',
    'bel': 'bil',
    'bl': 'bil',
    'wil': 'wil',
    'wel': 'wil',
    'lil': 'lil',
}
# Frequent arabizi words, and the FAQ's own arabizi vocabulary (words its Arabic examples use and its English and
# French ones do not), so that a one- or two-word question ("jawazi", "wakil nasb") is still read as Arabic.
WORDS = word_set(
    "3ala 3an 3aqd 3indi 3la 3ndi 3qd a5oya aah abi abu adri adrus afham agdar ajanib ajnabi akhoya "
    "akhuya aku ana areed arid ariid aroo7 arqam asawi ashtighil ashtiki asil asir asra awal barnamaj "
    "bidun bil chan derasa dirasa ebni ee enta enti eza floos flous flousi flus fondoq gabl galoli "
    "habibi hatha hathi hay hwaaya hwaya ibn ibni inshallah inta inti intu iqama ishtaghli iza jabha "
    "jaish jam3a jami3a jareema jawaz jawazi jaysh jesh jinsiya jundi kan khibra kilma kulshi la2 "
    "lazim leish lel lesh lugha ma7ad mafqood makhzan mako maktab maku mal mali marhaba meno minu mn "
    "mnein mqatil msawi mujbar munazzama murtaziq mushkila nasb nsafir qanon qubool ra7 raa7 rah "
    "raqam raqmi rasayli ratib roosia rusi rusia rusiya rusya sadiqi safara salam sayiq shabab shahar "
    "shahrain shako shaku sharika shgad shgd shifit shinu shkad shlon shlonak shloon shno shnsawi "
    "shnu shoghol shsawi shughl shughla shughul shurta sidug sijin tabbakh tadrib talib tarjama "
    "tsafir ukhti ukrania wakil wala wallah wein wel wen wiya yemma yinton yroo7 yumma zain zawji "
    "zein zen "
)
DIGIT_IN_WORD = '(?:[a-z][2357689]|[2357689][a-z])'  # a digit used as a letter: 3 points a hit
# Spellings English and French words (almost) never have: "kh" ("khalas"), q not followed by u ("3aqd", "iqama"),
# and y then a consonant opening a word, the Arabic present tense ("ygol", "yrid", "ydrus"): 1 point a word.
SHAPE = 'kh|q[a-tv-z]|\\by[bcdfghjklmnpqrstvxz]'
