"""Which of the bot's languages a message is written in, good enough for short messages.

General-purpose language identifiers are trained on long, clean text and do not know Iraqi Arabic typed
in Latin letters or Sorani; our users write two-word questions in exactly those. So the decision is made
from what does tell them apart, each language's cues being data in bot/lang/<code>/:
- the script (Cyrillic -> Russian; Arabic script -> Arabic or Sorani; Latin -> English, French or arabizi);
- letters only one language uses (Sorani ێ ۆ ە ڕ ڵ ڤ, Arabic ة ث ذ ...) and frequent function words;
- for Latin letters: digits used as letters inside words (3 7 2 5: arabizi), accents and function words.
Each candidate of the script scores points; the most points win, a tie goes to the language with the
lowest `tiebreak` (English before French before arabizi; Arabic before Sorani).
"""

from __future__ import annotations

import re
from functools import cache

from bot.lang import Cue, Language, all_languages
from bot.text.normalize import fold, script_counts


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
        return _best(_scored("cyrillic", text))
    if arabic >= latin:
        return _best(_scored("arabic", text))
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


@cache
def _candidates(script: str) -> tuple[tuple[Language, frozenset[str], tuple[tuple[re.Pattern[str], Cue], ...]], ...]:
    """The languages that may be written in `script`, each with the words and compiled cues that tell it there."""
    out = []
    for language in all_languages():
        if language.script == script:
            words, cues = language.function_words, language.cues
        elif script == "latin" and language.latin_words:
            words, cues = language.latin_words, language.latin_cues
        else:
            continue
        out.append((language, words, tuple((re.compile(cue.pattern), cue) for cue in cues)))
    return tuple(out)


def _scored(script: str, text: str) -> list[tuple[str, int, int]]:
    """(code, points, tiebreak) of every candidate of `script` for `text`."""
    if script == "latin":
        lowered = text.lower()
        found = re.findall(r"[a-z0-9\u00c0-\u024f']+", lowered)
        plain = [w.strip("'") for w in fold(" ".join(found)).split()]
        views = {"text": text, "lowered": lowered, "word": plain, "folded-word": plain}
        counted = plain
    else:
        folded = fold(text).split()
        views = {"text": text, "lowered": text.lower(), "word": text.split(), "folded-word": folded}
        counted = folded
    out = []
    for language, words, cues in _candidates(script):
        points = 2 * sum(w in words for w in counted)
        for regex, cue in cues:
            view = views[cue.over]
            if isinstance(view, str):
                points += cue.weight * len(regex.findall(view))
            else:
                points += cue.weight * sum(bool(regex.search(w)) for w in view)
        out.append((language.code, points, language.tiebreak))
    return out


def _best(scored: list[tuple[str, int, int]]) -> str:
    return min(scored, key=lambda entry: (-entry[1], entry[2]))[0]


def _latin_language(text: str) -> str:
    return _best(_scored("latin", text))
