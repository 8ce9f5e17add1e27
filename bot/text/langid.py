"""Which of the bot's languages a message is written in, good enough for short messages.

General-purpose language identifiers are trained on long, clean text and do not know Iraqi Arabic typed
in Latin letters or Sorani; our users write two-word questions in exactly those. So the decision is made
from what does tell them apart:
- the script (Cyrillic -> Russian; Arabic script -> Arabic or Sorani; Latin -> English, French or arabizi);
- letters only Sorani uses (ێ ۆ ە ڕ ڵ ڤ) and frequent Sorani and Arabic function words;
- for Latin letters: digits used as letters inside words (3 7 2 5: arabizi), accents and function words.
"""

from __future__ import annotations

import re

from bot.text.normalize import fold, script_counts

_SORANI_LETTERS = re.compile("[\u06d5\u06ce\u06c6\u0695\u06b5\u06a4]")  # ە ێ ۆ ڕ ڵ ڤ
_KURDISH_KEYBOARD = re.compile("[\u06cc\u06a9\u067e]")  # ی ک پ
_ARABIC_ONLY_LETTERS = re.compile("[\u0629\u0649\u062b\u0630\u0636\u0638\u0623\u0625]")  # ة ى ث ذ ض ظ أ إ

# Frequent words, already folded (ي for ی, ك for ک), used as evidence between Arabic and Sorani.
_SORANI_WORDS = frozenset(
    "من تۆ ئەو ئێمە ئەم ئەوە لە بۆ کە كە چی چۆن چون دەتوانم دەکرێت دەكرێت نییە هەیە هەیه بەڵام "
    "ئایا كوڕ كوڕەكەم براكەم باوكم دایكم ڕووسیا رووسیا پارە كار كارێك خوێندن ناردن بكەم بکەم "
    "دەمەوێت چییە یان و".replace("ی", "ي")
    .replace("ک", "ك")
    .split()
)
_ARABIC_WORDS = frozenset(
    [
        "في",
        "من",
        "الى",
        "على",
        "عن",
        "هل",
        "ما",
        "ماذا",
        "كيف",
        "لماذا",
        "انا",
        "انت",
        "هذا",
        "هذه",
        "التي",
        "الذي",
        "مع",
        "اريد",
        "عندي",
        "شلون",
        "شكو",
        "اكو",
        "ماكو",
        "ليش",
        "هواي",
        "هوايه",
        "يمعود",
        "ابني",
        "اخوي",
        "اخويه",
        "حتى",
        "بعد",
        "كان",
        "يكون",
        "لي",
        "له",
    ]
)

# The FAQ's own arabizi vocabulary (words its Arabic examples use and its English and French ones do not),
# so that a one- or two-word question ("jawazi", "wakil nasb") is still read as Arabic.
_FAQ_ARABIZI = """rusi rusiya wakil flous flousi maktab jawazi ratib galoli asir safara shkad jinsiya jabha ukrania
        shsawi shnsawi wel wiya mafqood zawji nasb asra agdar sayiq tabbakh shughla jaysh lugha shabab ajnabi
        ajanib mushkila tarjama barnamaj sharika shifit iqama adrus lel eza iza ashtiki qanon jareema gabl
        nsafir kulshi msawi raqam raqmi arqam rasayli zein intu munazzama ashtighil ishtaghli makhzan bil mqatil
        bidun khibra wala sidug afham ukhti fondoq kilma shahar tsafir qubool talib adri tadrib shahrain shurta
        sijin mujbar jundi murtaziq lazim asawi sadiqi ibn mn yinton awal asil"""
_MORE_FRENCH = """on se te sa ses son leur nos vos votre notre si ici tres aussi oui non russe russes moscou armee
        ambassade numero argent frere soeur mari etudiant salaire promet"""
_ARABIZI_DIGIT_IN_WORD = re.compile(r"(?:[a-z][2357689]|[2357689][a-z])")
_ARABIZI_WORDS = frozenset(
    [
        "shlon",
        "shlonak",
        "shaku",
        "shako",
        "aku",
        "maku",
        "mako",
        "wein",
        "wen",
        "ana",
        "inta",
        "enta",
        "inti",
        "enti",
        "3ndi",
        "3indi",
        "ariid",
        "areed",
        "arid",
        "abi",
        "abu",
        "akhoya",
        "akhuya",
        "a5oya",
        "ibni",
        "ebni",
        "rusia",
        "rusya",
        "roosia",
        "jaish",
        "jesh",
        "flus",
        "floos",
        "shughul",
        "shoghol",
        "shughl",
        "dirasa",
        "derasa",
        "jam3a",
        "jami3a",
        "hay",
        "hatha",
        "hatha",
        "hathi",
        "wallah",
        "habibi",
        "inshallah",
        "yemma",
        "yumma",
        "lesh",
        "leish",
        "shno",
        "shnu",
        "shinu",
        "chan",
        "kan",
        "ra7",
        "rah",
        "raa7",
        "yroo7",
        "aroo7",
        "mal",
        "mali",
        "3ala",
        "3la",
        "3an",
        "ma7ad",
        "hwaya",
        "hwaaya",
        "shgad",
        "shgd",
        "3aqd",
        "3qd",
        "jawaz",
        "jawaz",
        "mnein",
        "minu",
        "meno",
        "la2",
        "ee",
        "aah",
        "zain",
        "zen",
        "shloon",
        "salam",
        "marhaba",
        *_FAQ_ARABIZI.split(),
    ]
)
# Spellings English and French words (almost) never have: "kh" ("khalas"), q not followed by u ("3aqd",
# "iqama"), and y then a consonant opening a word, the Arabic present tense ("ygol", "yrid", "ydrus").
_ARABIZI_SHAPE = re.compile(r"kh|q[a-tv-z]|\by[bcdfghjklmnpqrstvxz]")
_FRENCH_WORDS = frozenset(
    [
        "je",
        "j",
        "tu",
        "il",
        "elle",
        "nous",
        "vous",
        "ils",
        "le",
        "la",
        "les",
        "des",
        "du",
        "de",
        "un",
        "une",
        "est",
        "et",
        "a",
        "au",
        "aux",
        "en",
        "que",
        "qui",
        "quoi",
        "pas",
        "ne",
        "mon",
        "ma",
        "mes",
        "ton",
        "ta",
        "ce",
        "cette",
        "c",
        "est",
        "dans",
        "sur",
        "avec",
        "pour",
        "par",
        "mais",
        "ou",
        "donc",
        "bonjour",
        "salut",
        "merci",
        "russie",
        "travail",
        "emploi",
        "bourse",
        "etudes",
        "contrat",
        "offre",
        "moi",
        "mon",
        "fils",
        "frere",
        "suis",
        "ai",
        "avoir",
        "faire",
        "peut",
        "quand",
        "comment",
        "pourquoi",
        "combien",
        *_MORE_FRENCH.split(),
    ]
)
_ENGLISH_WORDS = frozenset(
    [
        "the",
        "is",
        "a",
        "an",
        "to",
        "i",
        "my",
        "me",
        "in",
        "for",
        "and",
        "it",
        "of",
        "you",
        "this",
        "that",
        "what",
        "how",
        "why",
        "who",
        "where",
        "when",
        "they",
        "he",
        "she",
        "we",
        "are",
        "was",
        "be",
        "do",
        "does",
        "did",
        "can",
        "should",
        "will",
        "with",
        "on",
        "at",
        "from",
        "about",
        "have",
        "has",
        "offer",
        "job",
        "russia",
        "study",
        "help",
        "safe",
        "is",
        "it",
        "hi",
        "hello",
        "thanks",
        "please",
        "son",
        "brother",
        "work",
        "contract",
        "visa",
        "passport",
    ]
)
_FRENCH_ACCENTS = re.compile("[éèêàçùâîôëïû]")


def detect_language(text: str) -> str | None:
    """Return "ar", "ckb", "en", "fr", "ru", or None when the text carries no letters to judge by."""
    counts = script_counts(text)
    if not (counts["arabic"] or counts["cyrillic"] or counts["latin"]):
        return None
    words = _words_by_script(text)
    # Words, not letters, decide: one quoted "Министерство обороны" has more letters than the Arabic
    # question around it. Arabic-script words count extra because our Arabic and Kurdish users mix in
    # English or Russian terms ("scholarship", "visa tourist"), while the reverse almost never happens.
    arabic, cyrillic, latin = 1.5 * words["arabic"], words["cyrillic"], words["latin"]
    if not (arabic or cyrillic or latin):  # letters only inside digit runs etc.: fall back to letters
        arabic, cyrillic, latin = counts["arabic"], counts["cyrillic"], counts["latin"]
    if cyrillic > max(arabic, latin) or (cyrillic == max(arabic, latin) and counts["cyrillic"] >= counts["latin"]
                                         and counts["cyrillic"] >= counts["arabic"]):
        return "ru"
    if arabic >= latin:
        return _arabic_or_sorani(text)
    return _latin_language(text)


def _words_by_script(text: str) -> dict[str, int]:
    """How many words are mostly in each script (a word with no letters counts for none)."""
    out = {"arabic": 0, "cyrillic": 0, "latin": 0}
    for word in text.split():
        counts = script_counts(word)
        best = max(counts, key=lambda k: counts[k])
        if counts[best]:
            out[best] += 1
    return out


def is_arabizi(text: str) -> bool:
    """Arabic typed in Latin letters ("3ndi 3ard shughul b rusia")."""
    return _latin_language(text) == "ar"


def _arabic_or_sorani(text: str) -> str:
    words = fold(text).split()
    sorani = 3 * len(_SORANI_LETTERS.findall(text)) + 2 * sum(w in _SORANI_WORDS for w in words)
    arabic = 3 * len(_ARABIC_ONLY_LETTERS.findall(text)) + 2 * sum(w in _ARABIC_WORDS for w in words)
    arabic += sum(w.startswith("ال") for w in words)
    # Kurdish keyboards type ی ک (Persian yeh and kaf) where Arabic keyboards type ي ك, and پ is a Kurdish
    # letter that Arabic borrows rarely: weak evidence, one point a word, that decides short messages
    # ("سوپاس", "باشی") where no Sorani-only letter or function word does.
    sorani += sum(bool(_KURDISH_KEYBOARD.search(w)) for w in text.split())
    return "ckb" if sorani > arabic else "ar"


def _latin_language(text: str) -> str:
    lowered = text.lower()
    words = re.findall(r"[a-z0-9\u00c0-\u024f']+", lowered)
    plain = [w.strip("'") for w in fold(" ".join(words)).split()]
    arabizi = 3 * len(_ARABIZI_DIGIT_IN_WORD.findall(lowered)) + 2 * sum(w in _ARABIZI_WORDS for w in plain)
    arabizi += sum(bool(_ARABIZI_SHAPE.search(w)) for w in plain)
    french = 2 * len(_FRENCH_ACCENTS.findall(lowered)) + 2 * sum(w in _FRENCH_WORDS for w in plain)
    french += 2 * lowered.count("qu'") + 2 * lowered.count("c'est") + lowered.count("j'")
    english = 2 * sum(w in _ENGLISH_WORDS for w in plain)
    best = max(("en", english), ("fr", french), ("ar", arabizi), key=lambda pair: pair[1])
    return best[0] if best[1] > 0 else "en"
