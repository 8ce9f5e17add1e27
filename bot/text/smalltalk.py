"""Small talk and off-topic messages: recognised before the engine, so that "hi", "شكرا" or "who are you" get a
short friendly line on what the bot does instead of "I have no exact answer" with a checklist and contacts.

The words are language data (bot/lang/<code>/smalltalk.py), folded here as every text is. A message is small
talk only when it is short and *every* word of it is a small-talk word of one language: "hi, is this job
safe?" is a question, not a greeting. The kind is decided by a word that belongs to that kind alone ("thank"
in "thank you"; "you" is shared with "who are you").
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from bot.lang import CODES
from bot.text.langid import detect_language
from bot.text.normalize import normalize

KINDS = ("who", "thanks", "greeting", "ok")  # the order decides a message with words of several kinds
MAX_WORDS = 6
MIN_DOMAIN_PREFIX = 4  # a domain word this long also matches as a prefix ("recruit" in "recruiter")


@dataclass(frozen=True)
class SmallTalk:
    kind: str  # one of KINDS
    lang: str  # the language whose words it is in


@dataclass(frozen=True)
class _Words:
    kinds: dict[str, frozenset[str]]
    domain: frozenset[str]


def _fold(words: str) -> frozenset[str]:
    return frozenset(normalize(words).split())


@cache
def _words(code: str) -> _Words:
    data = importlib.import_module(f"bot.lang.{code}.smalltalk")
    kinds = {"who": data.WHO, "thanks": data.THANKS, "greeting": data.GREETING, "ok": data.OK}
    return _Words({kind: _fold(words) for kind, words in kinds.items()}, _fold(data.DOMAIN))


def small_talk(text: str, prefer: str | None = None) -> SmallTalk | None:
    """The small talk `text` is, if it is; `prefer`: the person's language, chosen among languages that fit
    ("ok" is English, French and Arabizi alike)."""
    words = normalize(text).split()
    if not words or len(words) > MAX_WORDS:
        return None
    found: list[SmallTalk] = []
    for code in CODES:
        table = _words(code).kinds
        if not all(any(word in kind for kind in table.values()) for word in words):
            continue
        for kind in KINDS:
            others = frozenset().union(*(table[k] for k in KINDS if k != kind))
            if any(word in table[kind] and word not in others for word in words):
                found.append(SmallTalk(kind, code))
                break
        else:  # only shared words ("you"): the first kind that has them all
            kind = next(k for k in KINDS if all(w in table[k] for w in words) or k == KINDS[-1])
            found.append(SmallTalk(kind, code))
    if not found:
        return None
    written = detect_language(text)
    return next((talk for talk in found if talk.lang == prefer), None) or next(
        (talk for talk in found if talk.lang == written), found[0])


def on_topic(text: str) -> bool:
    """Whether `text` has a word of the bot's subject (Russia, offers, the army, documents, family...) in any
    language: a message the bot cannot answer that has none is off-topic, not a question it failed."""
    words = normalize(text).split()
    for code in CODES:
        domain = _words(code).domain
        for word in words:
            if word in domain or any(len(d) >= MIN_DOMAIN_PREFIX and word.startswith(d) for d in domain):
                return True
    return any(ch.isdigit() for ch in text)  # amounts, numbers, dates: read as about an offer
