"""Arabic typed in Latin letters ("arabizi": "3ndi 3ard shughul b rusia") compared with Arabic script.

There is no single spelling of arabizi, and Arabic script leaves short vowels out, so a letter-by-letter
transliteration seldom equals the Arabic word. Both sides are reduced instead to a consonant skeleton:
Arabic script without its long vowels (ا و ي), and arabizi transliterated with every vowel dropped.
"shlon" and "شلون" both become "شلن"; "3qd" and "عقد" both become "عقد". The letter maps are data in
bot/lang/ar/arabizi.py.
"""

from __future__ import annotations

import re

from bot.lang.ar import arabizi
from bot.text.normalize import fold

_SKELETON_DROP = str.maketrans(arabizi.SKELETON_DROP)
_SKELETON_SWAP = str.maketrans(arabizi.SKELETON_SWAP)
_LETTERS = arabizi.LETTERS
_DIGRAPHS = arabizi.DIGRAPHS
_DIGRAPH_RE = re.compile("|".join(d for d, _ in _DIGRAPHS))
_DIGRAPH_MAP = dict(_DIGRAPHS)


def latin_skeleton_word(word: str) -> str:
    """Consonant skeleton of one arabizi word, in Arabic letters."""
    word = _DIGRAPH_RE.sub(lambda m: _DIGRAPH_MAP[m.group(0)], word.lower())
    out = "".join(_LETTERS.get(ch, ch if "\u0600" <= ch <= "\u06ff" else "") for ch in word)
    return _squeeze(out.translate(_SKELETON_SWAP))


_ARABIC_ARTICLE = re.compile("^([وبفكل]?)ال(?=..)")
# "il"/"el"/"al" glued to a word ("ilshahar", "bil jaish" joined to "biljaish"), after an optional one-letter
# prefix, when a consonant follows: "alabuga" and "balad" keep theirs.
_LATIN_ARTICLE = re.compile(r"^([bwlfk]?)[eia]l(?=[^aeiouyw0-9\W][a-z0-9]{2})")
_LATIN_PREFIX_WORDS = arabizi.PREFIX_WORDS


def arabic_skeleton_word(word: str) -> str:
    """Consonant skeleton of one Arabic-script word (already folded)."""
    # The article is usually typed "el"/"il" or left out, also after a glued و ب ف ك ل ("بالشهر" = "b shahar").
    word = _ARABIC_ARTICLE.sub(r"\1", word)
    out = _squeeze(word.translate(_SKELETON_DROP).translate(_SKELETON_SWAP))
    # A final ه is usually the feminine ending, which arabizi writes as a vowel ("akhoya" for اخويه).
    return out[:-1] if len(out) > 2 and out.endswith("ه") else out


def _squeeze(word: str) -> str:
    """Doubled letters are a spelling choice in arabizi ("jaysh"/"jaish", "flus"/"floos")."""
    return re.sub(r"(.)\1+", r"\1", word)


def skeleton(text: str) -> str:
    """Skeleton of a whole text in either script; words that leave nothing are dropped."""
    words = []
    glued = ""  # a prefix typed as its own word, waiting for the word it belongs to
    for word in fold(text).split():
        if re.search(r"[a-z0-9]", word):
            if word.isdigit():
                continue
            if word in ("el", "il", "al"):  # the article alone
                continue
            if word in _LATIN_PREFIX_WORDS and not glued:
                glued = _LATIN_PREFIX_WORDS[word]
                continue
            for prefix in ("el", "il", "al"):
                if word.startswith(prefix + "-"):
                    word = word[len(prefix) + 1:]
            word = _LATIN_ARTICLE.sub(r"\1", glued + word)
            glued = ""
            sk = latin_skeleton_word(word)
        else:
            if glued:
                words.append(latin_skeleton_word(glued))
                glued = ""
            sk = arabic_skeleton_word(word)
        if sk:
            words.append(sk)
    if glued:
        words.append(latin_skeleton_word(glued))
    return " ".join(w for w in words if w)
