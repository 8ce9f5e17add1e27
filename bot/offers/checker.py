"""The offer checker: warning signs in a pasted offer or contract, with the exact words that raised them.

The signs, their patterns and weights live in `faq/signs.yaml` (content a volunteer can edit); this module
compiles them once and runs them over the folded text (bot/normalize.fold), so "Министерство Обороны",
"министерство обороны" and "МИНИСТЕРСТВО ОБОРОНЫ" are one pattern. Evidence is quoted from the original text
through the fold offsets: the user sees exactly what they pasted.

Risk: `high` when a sign marked `always_high` is found (the offer names the army, a helper job next to it, or
a threat), or when the found signs together weigh at least `high_weight`; `medium` for any other sign;
`low` when none is found, which never means "safe".

Negation ("no agency fees", "без комиссии", "بدون رسوم") cancels a match of a `negatable` sign; for the army's
own words a negation right before (`negation_reach` words: "no combat", "pas de combat") cancels only that word,
which the helper-job sign reads instead. A condition is no negation: "if you don't sign", "اذا ما توقع"; nor is
the Iraqi "اول ما" ("as soon as").

Two kinds of context change that, both listed in signs.yaml:
- `russia_only` signs (pay far above normal, a detour via Dubai) are dropped when the text names another
  destination (a nurse's job in Germany pays that much) and nothing that places it in Russia; a place named
  only as a stop on the way ("via Dubai", a match of the indirect-route sign) is no destination;
- a news report or an official warning (at least `news_min` distinct `news` words: "arrested", "victims",
  "warns citizens") quotes the very promises it warns about; its risk is at most medium, unless a sign
  marked `under_pressure` (a threat, a passport taken) shows a person who may need help now.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content.load import ContentError, Problem, read_yaml
from bot.models import LANGUAGES, CheckResult, SignHit
from bot.offers import amounts as money
from bot.text.langid import detect_language
from bot.text.normalize import fold

# Ids the product promises: topics, replies and the urgent path refer to them.
REQUIRED_SIGNS: tuple[str, ...] = (
    "military-terms", "helper-job-near-military", "signing-bonus", "high-pay", "citizenship-or-land",
    "tourist-visa-for-work", "agent-fee", "study-with-work", "contract-russian-only", "document-retention",
    "no-requirements", "urgency-secrecy", "informal-channel", "indirect-route", "free-travel", "alabuga-pattern",
    "front-regions", "coercion-threat",
)
DEFAULT_HIGH_WEIGHT = 6
DEFAULT_NEWS_MIN = 2
CONTEXTS = ("russia", "elsewhere", "news")
MAX_EVIDENCE = 3  # quotes per sign
# Spans kept per sign or context: a long contract repeats the same words hundreds of times, and the evidence
# needs three; the rest leave room for matches dropped later (negated, no amount near, a detour).
MAX_SPANS = 24
# Below this many characters a text is read word by word, without the one big regex (see Scanner).
SCAN_EVERY_WORD_BELOW = 1500
_NON_WORD = re.compile(r"\W")
DETOUR_SIGN = "indirect-route"  # its matches name a place passed through, not a destination
LANGID_CHARS = 1500
MAX_QUOTE_CHARS = 80
AMOUNT_REACH = 60  # folded characters between a "signing bonus" phrase and the amount it announces

# Patterns start at the beginning of a word: after a non-word character, which the regex consumes (the text is
# scanned with a space in front). In Arabic a one-letter proclitic (و and, ف so, ب with, ل for) is written
# joined to the word, so "والجيش" must still match a pattern for "الجيش"; two may be stacked ("وبالجيش"), and
# after ل the article loses its alif ("للجيش" = ل + الجيش). (ك "as" is left out on purpose:
# "كعسكري", "as a soldier", belongs to the helper-job sign.) The article ال may be skipped the same way, which
# patterns allow anyway with a leading (?:ال)?: the scanner then dispatches on the letter after it.
_WORD_START = r"\W(?:[\u0648\u0641](?=\w))?(?:[\u0628\u0644](?=\w))?(?:\u0627\u0644(?=\w)|(?<=\u0644)\u0644(?=\w))?"

# Negation just before a match ("no agency fees", "без комиссии", "بدون رسوم") cancels it for signs that
# allow it. Folded words; the last few words of the same clause are looked at.
def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


NEGATION_WORDS = _word_set(
    "no not never without dont don doesnt doesn isnt isn arent aren wont won cannot none nor zero "
    "pas aucun aucune aucuns aucunes sans jamais ni non ne n rien "
    "не без никаких никакой никакого никакие никакую нет ни никогда "
    "لا ليس ليست بدون ما مو مش لن لم دون غير ماكو بلا ولا مافي "
    "نا نە بێ بەبێ هيچ نييە"
)
# "never" governs a whole clause ("we never ask you to travel on a visit visa"); the others a few words.
STRONG_NEGATION_WORDS = _word_set("never jamais никогда ابدا هەرگيز")
_NEGATION_LOOKBACK = 60  # characters
_NEGATION_WORDS_BACK = 4
_STRONG_NEGATION_WORDS_BACK = 8
_CLAUSE_BREAK = re.compile(r"[.,;:!?()\[\]\n\u060c\u061b]")
_WORD = re.compile(r"\w+")
# Negation right after a match: "fees: not required", "комиссия не взимается", "رسوم غير مطلوبة".
_NEGATION_AFTER = re.compile(
    r"\W{0,3}(?:(?:is|are|will\s+be)?\s*(?:not|never)\s+(?:be\s+)?(?:required|needed|necessary|charged|asked)"
    r"|none\b|nil\b|n'?(?:est|sont|seront)?\s*(?:pas|jamais)|(?:pas|non)\s+(?:requis|demande|necessaire)"
    r"|не\s+(?:нужн|требу|взима|бер|запрашива|предусмотрен|обязател)|нет\b"
    r"|(?:غير|مو|مش|ليس|ليست)\s+(?:مطلوب|ضروري|لازم)|(?:لا|ما)\s+(?:يوجد|توجد|نطلب|ناخذ)|ماكو"
    r"|پێويست\s+نييە|نييە"
    r"|[^.!?\n]{0,60}?\b(?:directement|directly|напрямую|مباشره)\s+(?:\w+\s+){0,2}(?:a\s+l'|au|aupres\s+de|to|with|в|الي|لل|ل)"
    r"\s*(?:l'|la\s+|the\s+)?(?:universit|campus\s+france|ambassade|consulat|embassy|consulate|посольств|консульств"
    r"|университет|вуз|(?:ال)?جامعه|(?:ال)?سفاره|(?:ال)?قنصليه))"
)
_APOSTROPHE_CHARS = ("\u2019", "\u02bc", "\u2018")
_WORD_CHARS_EXTRA = {"\u200c", "\u200d", "\u0640", "'", "’"}  # joiners, tatweel, apostrophes inside words


@dataclass(frozen=True)
class Sign:
    id: str
    weight: int
    always_high: bool
    negatable: bool
    needs_amount: bool
    amounts: str | None  # a detector in bot.offers.amounts.DETECTORS
    sources: tuple[str, ...]
    texts: dict[str, dict[str, str]]  # lang -> {"title", "explain"}
    patterns: dict[str, tuple[str, ...]]  # lang -> regular expressions over folded text
    russia_only: bool = False
    under_pressure: bool = False
    valid_patterns: tuple[str, ...] = ()
    # For a sign that is not negatable: a negation this many words before a match still cancels it ("no combat",
    # "pas de combat", "مو قتال" are the helper-job sign's words, not the army's). 0: never.
    negation_reach: int = 0


@dataclass
class SignCatalogue:
    signs: dict[str, Sign]
    high_weight: int = DEFAULT_HIGH_WEIGHT
    problems: list[tuple[str, str]] = field(default_factory=list)  # found while loading
    news_min: int = DEFAULT_NEWS_MIN
    context_patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    scanner: Scanner | None = None

    def warm_up(self) -> None:
        """Compile ahead of the first texts what they would otherwise wait for (see Scanner.warm_up)."""
        if self.scanner is not None:
            self.scanner.warm_up()

    @classmethod
    def load(cls, path: Path, cache_dir: Path | None = None) -> SignCatalogue:
        """Read and compile faq/signs.yaml. Raises ContentError when the file cannot be read at all.

        With `cache_dir`, what parsing the patterns told is kept there for the next start."""
        data, problems = read_yaml(path, path.parent)
        if problems:
            raise ContentError(problems)
        name = str(path)
        if not isinstance(data, dict) or not isinstance(data.get("signs"), list):
            raise ContentError([Problem(name, "file", "must be a mapping with a `signs` list")])
        facts = cache_dir / "sign-patterns.json" if cache_dir is not None else None
        stored = _load_facts(facts) if facts is not None else False
        catalogue = cls.from_data(data)
        if facts is not None:
            _save_facts(facts, stored)
        return catalogue

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> SignCatalogue:
        found: list[tuple[str, str]] = []
        signs: dict[str, Sign] = {}
        for index, entry in enumerate(data.get("signs") or []):
            sign = _sign_from(entry, index, found)
            if sign is None:
                continue
            if sign.id in signs:
                found.append((sign.id, "duplicate sign id"))
                continue
            signs[sign.id] = sign
        high_weight = _whole(data, "high_weight", DEFAULT_HIGH_WEIGHT, found)
        news_min = _whole(data, "news_min", DEFAULT_NEWS_MIN, found)
        raw = {key: _str_tuple(data.get(key)) for key in CONTEXTS}
        valid = {key: _valid(key, {"any": patterns}, found) for key, patterns in raw.items()}
        keyed = {sign.id: sign.valid_patterns for sign in signs.values()} | {f"@{k}": v for k, v in valid.items()}
        return cls(signs, high_weight, found, news_min, raw, Scanner.build(keyed))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.signs)

    def title(self, sign_id: str, lang: str) -> str:
        return self._text(sign_id, lang, "title")

    def explain(self, sign_id: str, lang: str) -> str:
        return " ".join(self._text(sign_id, lang, "explain").split())  # one line, whatever the YAML did

    def _text(self, sign_id: str, lang: str, key: str) -> str:
        sign = self.signs.get(sign_id)
        if sign is None:
            return sign_id
        return sign.texts.get(lang, {}).get(key) or sign.texts.get("en", {}).get(key) or sign_id

    def validate(self, source_ids: set[str]) -> list[tuple[str, str]]:
        """Every problem as (entry, message): what `scambot faq check` reports for faq/signs.yaml."""
        problems = list(self.problems)
        problems += [(sign_id, "required sign missing") for sign_id in REQUIRED_SIGNS if sign_id not in self.signs]
        for sign in self.signs.values():
            problems += _validate_sign(sign, source_ids)
        for key, patterns in self.context_patterns.items():
            problems += [(key, message) for message in map(_unfolded_problem, patterns) if message]
        return problems


def _whole(data: dict[str, Any], key: str, default: int, found: list[tuple[str, str]]) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        found.append((key, "must be a whole number >= 1"))
        return default
    return value


def _str_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _sign_from(entry: Any, index: int, found: list[tuple[str, str]]) -> Sign | None:
    if not isinstance(entry, dict) or not entry.get("id"):
        found.append((f"sign {index + 1}", "each sign needs an id"))
        return None
    sign_id = str(entry["id"])
    weight = entry.get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or not 1 <= weight <= 10:
        found.append((sign_id, f"bad weight {weight!r}: a whole number from 1 to 10"))
        weight = 1
    detector = entry.get("amounts")
    if detector is not None and detector not in money.DETECTORS:
        found.append((sign_id, f"unknown amounts detector {detector!r} (one of {', '.join(money.DETECTORS)})"))
        detector = None
    texts = _texts_from(sign_id, entry.get("text"), found)
    patterns = _patterns_from(sign_id, entry.get("patterns"), found)
    valid = _valid(sign_id, patterns, found)
    return Sign(
        id=sign_id,
        weight=weight,
        always_high=entry.get("always_high") is True,
        negatable=entry.get("negatable", True) is not False,
        needs_amount=entry.get("needs_amount") is True,
        amounts=detector,
        sources=tuple(str(s) for s in entry.get("sources") or ()),
        texts=texts,
        patterns=patterns,
        valid_patterns=valid,
        russia_only=entry.get("russia_only") is True,
        under_pressure=entry.get("under_pressure") is True,
        negation_reach=_reach(sign_id, entry.get("negation_reach"), found),
    )


def _reach(sign_id: str, value: Any, found: list[tuple[str, str]]) -> int:
    if value is None:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _NEGATION_WORDS_BACK:
        found.append((sign_id, f"bad negation_reach {value!r}: a whole number from 0 to {_NEGATION_WORDS_BACK}"))
        return 0
    return value


def _texts_from(sign_id: str, raw: Any, found: list[tuple[str, str]]) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        found.append((sign_id, "missing text (title and explain per language)"))
        return {}
    texts: dict[str, dict[str, str]] = {}
    for lang, entry in raw.items():
        if isinstance(entry, dict):
            texts[str(lang)] = {str(k): str(v).strip() for k, v in entry.items() if v is not None}
        else:
            found.append((f"{sign_id}.{lang}", "must be a mapping with title and explain"))
    return texts


def _patterns_from(sign_id: str, raw: Any, found: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        found.append((sign_id, "patterns must map languages to lists of regular expressions"))
        return {}
    return {str(lang): _str_tuple(items) for lang, items in raw.items()}


def _valid(entry: str, patterns: dict[str, tuple[str, ...]], found: list[tuple[str, str]]) -> tuple[str, ...]:
    """The patterns that compile; the others are reported (a named group would clash in the scanner)."""
    valid = []
    for lang, items in patterns.items():
        for pattern in items:
            problem = _memo("check", pattern, lambda p=pattern: _pattern_problem(p))
            if problem:
                found.append((f"{entry}.patterns.{lang}", problem))
                continue
            valid.append(pattern)
    return tuple(valid)


def _pattern_problem(pattern: str) -> str:
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        return f"bad regular expression {pattern!r}: {error}"
    if compiled.groupindex:
        return f"{pattern!r}: use (?:...), not named groups"
    return ""


# -- what parsing each pattern tells, kept between starts -------------------------------------------------
# Checking ~1,000 patterns and reading how each starts runs `re`'s parser, in pure Python: most of a second
# at every start. The answers depend only on the pattern and this code, so they are kept in a small JSON
# file in the data directory (a cache: deleting it costs one slow start; a bad or old one is ignored).
_FACTS: dict[str, Any] = {}
_FACTS_STATE = {"dirty": False}


def _memo(kind: str, pattern: str, compute: Callable[[], Any]) -> Any:
    key = kind + "\x00" + pattern
    if key not in _FACTS:
        _FACTS[key] = compute()
        _FACTS_STATE["dirty"] = True
    return _FACTS[key]


def _facts_version() -> str:
    code = Path(__file__).read_bytes()
    return hashlib.sha256(code + sys.version.encode()).hexdigest()[:16]


def _load_facts(path: Path) -> bool:
    """Merge the stored facts in; False when there is no usable file (then it is written after the build)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not (isinstance(data, dict) and data.get("version") == _facts_version() and isinstance(data.get("facts"), dict)):
        return False
    for key, value in data["facts"].items():
        _FACTS.setdefault(key, value)
    return True


def _save_facts(path: Path, stored: bool) -> None:
    if stored and not _FACTS_STATE["dirty"]:
        return
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, tmp = tempfile.mkstemp(prefix=".facts-", dir=path.parent)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"version": _facts_version(), "facts": _FACTS}, out, ensure_ascii=False)
        os.replace(tmp, path)
        _FACTS_STATE["dirty"] = False
    except OSError:  # read-only or full data directory: only the next start is slower
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _compile(patterns: tuple[str, ...]) -> re.Pattern | None:
    """One sign's (or context's) patterns alone, over " " + folded text; the words matched are group "m"."""
    if not patterns:
        return None
    return re.compile(_WORD_START + "(?P<m>" + _dispatch(list(patterns)) + ")")


@dataclass
class Scanner:
    """Every sign and context in one regex, read over the text once.

    Why: a 20,000-character contract must be read in under 20 ms, and Python's regex engine tries every
    alternative of a pattern at every word. Here the regex first consumes a non-word character (the engine
    skips to the next one in C), then dispatches on the word's first two characters: each branch starts with
    a literal character, which the engine rejects in one comparison, and only the patterns that can start
    with those characters are tried, inside a lookahead. The scan only finds the words where some pattern
    matches (few); there, each sign's patterns for those first characters, compiled apart (on first use),
    tell which signs matched and where.
    """

    # The one regex, as source: compiling it takes about a second, so it is compiled on the first long text
    # (or by warm_up); a short text is read word by word without it. None: the slow path, one regex per sign.
    source: str | None
    # (first character, second character or "") -> {sign id or @context: its patterns starting so}
    tree: dict[tuple[str, str], dict[str, list[str]]]
    keyed: dict[str, tuple[str, ...]]  # sign id or @context -> all its patterns (for the slow path)
    _compiled: dict[tuple[str, str], list[tuple[str, re.Pattern[str]]]] = field(default_factory=dict)
    _regex: re.Pattern[str] | None = None
    slow: bool = False  # some pattern's first characters cannot be told: one regex per sign

    @property
    def regex(self) -> re.Pattern[str] | None:
        """The one regex (compiled now if need be); None on the slow path or if it cannot be compiled."""
        if self._regex is None and self.source is not None:
            try:
                self._regex = re.compile(self.source)
            except (re.error, RecursionError, OverflowError):
                self.source = None  # read word by word from now on: the same result, a little slower
        return self._regex

    def warm_up(self) -> None:
        """Compile ahead of the first texts what they would otherwise wait for (the bot does this in the
        background after start): the small regexes per first letters (about 0.3 s in all; compiled lazily,
        they cost the first few hundred messages 1-2 ms each) and the one regex for long texts."""
        for prefix in list(self.tree):
            self._starting(prefix)
        _ = self.regex

    @classmethod
    def build(cls, keyed: dict[str, tuple[str, ...]]) -> Scanner:
        tree: dict[tuple[str, str], dict[str, list[str]]] = {}
        for key, patterns in keyed.items():
            for pattern in patterns:
                prefixes = _dispatch_prefixes(pattern)
                if prefixes is None:  # cannot tell how it starts: the slow path, one regex per sign
                    return cls(None, {}, keyed, slow=True)
                for prefix in prefixes:
                    tree.setdefault((prefix[0], prefix[1:]), {}).setdefault(key, []).append(pattern)
        by_first: dict[str, dict[str, list[str]]] = {}
        for (first, second), keys in tree.items():
            by_first.setdefault(first, {})[second] = [p for patterns in keys.values() for p in patterns]
        if not by_first:
            return cls(None, {}, keyed, slow=True)
        branches = "|".join(_branch(ch, by_first[ch]) for ch in sorted(by_first))
        return cls(_WORD_START + "(?:" + branches + ")", tree, keyed)

    def spans(self, padded: str) -> dict[str, list[tuple[int, int]]]:
        """Spans (in the unpadded folded text) of every sign and context found in `padded` (" " + folded)."""
        found: dict[str, list[tuple[int, int]]] = {}
        if self.slow:
            return self._slow_spans(padded)
        cached = self._compiled
        full: set[str] = set()  # keys with MAX_SPANS spans: enough for any use, not tried again
        regex = self.regex if len(padded) >= SCAN_EVERY_WORD_BELOW else None
        # A short text: every word start is looked at (a few hundred dictionary lookups); a long one: the one
        # regex finds, in C, the few word starts where some pattern matches.
        starts = (match.start() + 1 for match in (regex or _NON_WORD).finditer(padded))
        for at in starts:
            if at >= len(padded):
                continue
            # Most words start with no Arabic proclitic or article: then the word itself is the only start.
            for begin in _word_starts(padded, at) if padded[at] in _PREFIX_LETTERS else (at,):
                first = padded[begin]
                for prefix in ((first, padded[begin + 1:begin + 2]), (first, "")):
                    compiled = cached.get(prefix)
                    for key, regex in self._starting(prefix) if compiled is None else compiled:
                        if key in full:
                            continue
                        hit = regex.match(padded, begin)
                        if hit is not None and hit.end() > begin:
                            spans = found.setdefault(key, [])
                            spans.append((begin - 1, hit.end() - 1))
                            if len(spans) >= MAX_SPANS:
                                full.add(key)
        return found

    def _starting(self, prefix: tuple[str, str]) -> list[tuple[str, re.Pattern[str]]]:
        compiled = self._compiled.get(prefix)
        if compiled is None:
            keys = self.tree.get(prefix, {})
            compiled = [(key, re.compile("|".join(f"(?:{p})" for p in dict.fromkeys(patterns))))
                        for key, patterns in keys.items()]
            self._compiled[prefix] = compiled
        return compiled

    def _slow_spans(self, padded: str) -> dict[str, list[tuple[int, int]]]:
        found: dict[str, list[tuple[int, int]]] = {}
        for key, patterns in self.keyed.items():
            single = _compile(patterns)
            if single is not None:
                found[key] = [(m.start("m") - 1, m.end("m") - 1) for m in single.finditer(padded)]
        return found


_PREFIX_LETTERS = frozenset("\u0648\u0641\u0628\u0644\u0627")  # و ف ب ل, and ا of the article ال


def _word_starts(padded: str, at: int) -> list[int]:
    """Where a pattern may start in the word at `at`: the word itself, after a joined و ف and/or ب ل, after ال
    (or the bare ل of the article after ل)."""
    begins = [at]
    if padded[at:at + 1] in "\u0648\u0641" and padded[at + 1:at + 2].isalnum():
        begins.append(at + 1)  # و ف, then maybe ب ل: "وبالجيش"
    for begin in list(begins):
        if padded[begin:begin + 1] in "\u0628\u0644" and padded[begin + 1:begin + 2].isalnum():
            begins.append(begin + 1)
    for begin in list(begins):
        if padded[begin:begin + 2] == "\u0627\u0644" and padded[begin + 2:begin + 3].isalnum():
            begins.append(begin + 2)
        elif padded[begin - 1:begin] == "\u0644" and padded[begin:begin + 1] == "\u0644" and begin > at \
                and padded[begin + 1:begin + 2].isalnum():
            begins.append(begin + 1)  # "للجيش": after ل the article is written without its alif
    return sorted(set(begins))


def _branch(ch: str, seconds: dict[str, list[str]]) -> str:
    """`ch` then, by the second character, a lookbehind that re-reads the word with the patterns in a lookahead.

    Every alternative starts with a literal character, which the engine rejects in one comparison.
    """
    def look(patterns: list[str], width: int) -> str:
        return f"(?<=(?={'|'.join(f'(?:{p})' for p in dict.fromkeys(patterns))}){'.' * width})"

    parts = [look(seconds[""], 1)] if "" in seconds else []
    parts += [re.escape(second) + look(patterns, 2) for second, patterns in sorted(seconds.items()) if second]
    return re.escape(ch) + "(?:" + "|".join(parts) + ")"


_ARTICLE = "(?:ال)?"
_MAX_PREFIXES = 200


def _dispatch_prefixes(pattern: str) -> set[str] | None:
    """The one- or two-character starts of `pattern`'s matches; a leading optional article is left to
    _WORD_START, which consumes it already. None when the first character cannot be told."""
    found = _memo("starts", pattern, lambda: _sorted_or_none(_dispatch_prefixes_now(pattern)))
    return None if found is None else set(found)


def _sorted_or_none(values: set[str] | None) -> list[str] | None:
    return None if values is None else sorted(values)


def _dispatch_prefixes_now(pattern: str) -> set[str] | None:
    if pattern.startswith(_ARTICLE):
        pattern = pattern[len(_ARTICLE):]
    try:
        from re import _constants as sre_c
        from re import _parser as sre_parse

        found = _prefixes(list(sre_parse.parse(pattern).data), 2, sre_c)
    except Exception:  # private modules of re: if they change, fall back to trying the pattern everywhere
        return None
    if found is None or len(found) > _MAX_PREFIXES:
        chars = first_chars(pattern)
        return None if chars is None else set(chars)
    starts = {text for text, _ in found}
    return None if "" in starts else starts


def _prefixes(items: list, n: int, c: Any) -> set[tuple[str, bool]] | None:
    """Starts of the matches of a parsed sequence, up to `n` characters, as (text, complete): complete when
    the sequence matched exactly `text`; otherwise `text` is as much as can be told. None: too many."""
    results: set[tuple[str, bool]] = {("", True)}
    for op, av in items:
        grown: set[tuple[str, bool]] = set()
        for text, complete in results:
            if not complete or len(text) >= n:
                grown.add((text, False))
                continue
            item = _item_prefixes(op, av, n - len(text), c)
            if item is None:
                return None
            grown.update((text + more, done) for more, done in item)
        results = grown
        if len(results) > _MAX_PREFIXES:
            return None
        if all(not complete or len(text) >= n for text, complete in results):
            break
    return results


def _item_prefixes(op: Any, av: Any, n: int, c: Any) -> set[tuple[str, bool]] | None:
    if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
        return {("", True)}
    if op is c.LITERAL:
        return {(chr(av), True)}
    if op is c.IN:
        chars = _charset(av, c)
        return {("", False)} if chars is None else {(ch, True) for ch in chars}
    if op is c.BRANCH:
        out: set[tuple[str, bool]] = set()
        for alternative in av[1]:
            found = _prefixes(list(alternative), n, c)
            if found is None:
                return None
            out |= found
        return out
    if op is c.SUBPATTERN:
        return _prefixes(list(av[-1]), n, c)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, high, inner = av
        once = _prefixes(list(inner), n, c)
        if once is None:
            return None
        if low == high == 1:
            return once
        # After one repetition more may follow: what was complete is only as much as can be told.
        out = {(text, False) for text, _ in once}
        return out | {("", True)} if low == 0 else out
    return {("", False)}  # any character, a category (\w), a back reference ...


def _dispatch(patterns: list[str]) -> str:
    """`patterns` as one alternation, grouped under a lookahead for the characters each can start with."""
    groups: dict[str, list[str]] = {}
    anywhere: list[str] = []
    for pattern in patterns:
        chars = first_chars(pattern)
        if chars is None:
            anywhere.append(pattern)
            continue
        for ch in sorted(chars):
            groups.setdefault(ch, []).append(pattern)
    parts = [f"(?={re.escape(ch)})(?:{'|'.join(f'(?:{p})' for p in items)})" for ch, items in groups.items()]
    parts += [f"(?:{p})" for p in anywhere]
    return "|".join(parts)


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with; None when that cannot be told (then any)."""
    try:
        from re import _constants as sre_c
        from re import _parser as sre_parse

        chars, nullable = _first_of(list(sre_parse.parse(pattern).data), sre_c)
    except Exception:  # private modules of re: if they change, fall back to trying the pattern everywhere
        return None
    if chars is None or nullable:
        return None
    return frozenset(chars)


_MAX_FIRST_CHARS = 64


def _first_of(items: list, c: Any) -> tuple[set[str] | None, bool]:
    """(first characters, can match empty) of a parsed sequence."""
    result: set[str] = set()
    for op, av in items:
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue  # zero width: the next item decides
        if op is c.LITERAL:
            result.add(chr(av))
            return result, False
        if op is c.IN:
            chars = _charset(av, c)
            if chars is None:
                return None, False
            return result | chars, False
        if op is c.BRANCH:
            nullable = False
            for alternative in av[1]:
                chars, empty = _first_of(list(alternative), c)
                if chars is None:
                    return None, False
                result |= chars
                nullable = nullable or empty
            if not nullable:
                return result, False
            continue
        if op is c.SUBPATTERN:
            chars, empty = _first_of(list(av[-1]), c)
            if chars is None:
                return None, False
            result |= chars
            if not empty:
                return result, False
            continue
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, _high, inner = av
            chars, empty = _first_of(list(inner), c)
            if chars is None:
                return None, False
            result |= chars
            if low > 0 and not empty:
                return result, False
            continue
        return None, False  # any character, categories (\w), back references ...
    return result, True


def _charset(items: list, c: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            chars.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] < _MAX_FIRST_CHARS:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:
            return None
    return chars


def _validate_sign(sign: Sign, source_ids: set[str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for lang in LANGUAGES:
        entry = sign.texts.get(lang, {})
        missing = [key for key in ("title", "explain") if not entry.get(key)]
        if missing:
            problems.append((f"{sign.id}.{lang}", f"missing {', '.join(missing)}"))
        elif "\n" in entry["explain"].strip():
            problems.append((f"{sign.id}.{lang}", "explain must be one line"))
    for lang in sign.texts:
        if lang not in LANGUAGES:
            problems.append((f"{sign.id}.{lang}", f"unknown language (use one of {', '.join(LANGUAGES)})"))
    for lang, items in sign.patterns.items():
        if lang not in LANGUAGES:
            problems.append((f"{sign.id}.patterns.{lang}", "unknown language"))
        problems += [(f"{sign.id}.patterns.{lang}", message) for message in map(_unfolded_problem, items) if message]
    if not sign.patterns and not sign.amounts:
        problems.append((sign.id, "no patterns and no amounts detector: the sign can never be found"))
    if sign.needs_amount and not sign.patterns:
        problems.append((sign.id, "needs_amount without patterns"))
    if not sign.sources:
        problems.append((sign.id, "missing sources"))
    for source in sign.sources:
        if source not in source_ids:
            problems.append((sign.id, f"unknown source id {source!r}"))
    return problems


def _unfolded_problem(pattern: str) -> str | None:
    unfolded = _unfolded_letters(pattern)
    if not unfolded:
        return None
    return (f"{pattern!r} has {unfolded!r}, which folded text never contains "
            "(write the folded form: lower case, no accents, ا for أ ...)")


def _unfolded_letters(pattern: str) -> str:
    """Letters of a pattern that fold would change: such a pattern can never match folded text."""
    bad = []
    escaped = False
    for ch in pattern:
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            continue
        if ch.isalpha() and fold(ch) != ch:
            bad.append(ch)
    return "".join(dict.fromkeys(bad))


# -- checking a text ----------------------------------------------------------------------------------------
def check_offer(text: str, catalogue: SignCatalogue, lang: str | None = None) -> CheckResult:
    """Warning signs in `text`, each with up to three exact quotes, and the resulting risk."""
    # The language of a long contract shows in its first pages; reading all of it costs time, not accuracy.
    result_lang = detect_language(text[:LANGID_CHARS]) or lang or "en"
    folded, offsets = fold_offsets(text)
    # Typographic apostrophes are one character for one, so the offsets stay right: "don’t" reads as "don't".
    for apostrophe in _APOSTROPHE_CHARS:  # str.replace: far faster than translate on a long text
        if apostrophe in folded:
            folded = folded.replace(apostrophe, "'")
    found_amounts = money.find_amounts(folded, result_lang, folded=True)
    padded = " " + folded  # so that a word at the very start has a non-word character before it too
    scanner = catalogue.scanner or Scanner.build({})
    matched = scanner.spans(padded)
    elsewhere = _elsewhere(matched) and not matched.get("@russia")
    hits: list[SignHit] = []
    for sign in catalogue.signs.values():
        if elsewhere and sign.russia_only:
            continue
        spans = list(_sign_spans(sign, folded, matched.get(sign.id, []), found_amounts))
        if spans:
            evidence = _evidence(text, offsets, spans)
            hits.append(SignHit(sign.id, sign.weight, evidence))
    news = len({folded[a:b] for a, b in matched.get("@news", [])}) >= catalogue.news_min
    if news and hits and not any(catalogue.signs[h.id].under_pressure for h in hits):
        # It quotes the promises it warns about: telling the reader "high risk" would be wrong, and so would
        # be silence; the reply says it reads as a report and names what it describes.
        return CheckResult(result_lang, "low", (), report=True, described=tuple(hits))
    return CheckResult(result_lang, _risk(hits, catalogue), tuple(hits))


def _elsewhere(matched: dict[str, list[tuple[int, int]]]) -> bool:
    """Another destination is named, and not only as a stop on the way ("via Dubai", "через Стамбул")."""
    detours = matched.get(DETOUR_SIGN, [])
    return any(not any(a <= start and end <= b for a, b in detours) for start, end in matched.get("@elsewhere", []))


def _risk(hits: list[SignHit], catalogue: SignCatalogue) -> str:
    if not hits:
        return "low"
    signs = [catalogue.signs[h.id] for h in hits]
    high = any(s.always_high for s in signs) or sum(h.weight for h in hits) >= catalogue.high_weight
    if not high:
        return "medium"
    return "high"


def _sign_spans(sign: Sign, folded: str, candidates: list[tuple[int, int]],
                found: list[money.Amount]) -> Iterator[tuple[int, int]]:
    """Spans of the folded text that raise `sign`; stops once enough are found for the evidence."""
    count = 0
    if sign.amounts:
        detector: Callable[[list[money.Amount]], list[money.Amount]] = money.DETECTORS[sign.amounts]
        for amount in detector(found):
            yield _amount_span(amount)
            count += 1
            if count >= MAX_EVIDENCE:
                return
    for start, end in sorted(set(candidates)):
        if end == start:
            continue
        if sign.negatable and _negated(folded, start, end):
            continue
        if not sign.negatable and sign.negation_reach and _negated_near(folded, start, sign.negation_reach):
            continue
        if sign.needs_amount:
            near = _amount_near(found, start, end)
            if near is None:
                continue
            start, end = min(start, near.start), max(end, near.end)
        yield start, end
        count += 1
        if count >= MAX_EVIDENCE * 2:  # a few spare: some quotes may turn out the same
            return


def _amount_span(amount: money.Amount) -> tuple[int, int]:
    if amount.marker is None:
        return amount.start, amount.end
    return min(amount.start, amount.marker[0]), max(amount.end, amount.marker[1])


def _amount_near(found: list[money.Amount], start: int, end: int) -> money.Amount | None:
    near = [a for a in money.money(found) if a.start < end + AMOUNT_REACH and a.end > start - AMOUNT_REACH]
    return min(near, key=lambda a: abs(a.start - start), default=None)


def _negated(folded: str, start: int, end: int) -> bool:
    before = folded[max(0, start - _NEGATION_LOOKBACK):start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    words = _WORD.findall(before)
    if _has_negation(words[-_NEGATION_WORDS_BACK - 3:], _NEGATION_WORDS_BACK):
        return True
    if any(w in STRONG_NEGATION_WORDS for w in words[-_STRONG_NEGATION_WORDS_BACK:]):
        return True
    return _NEGATION_AFTER.match(folded, end) is not None


def _negated_near(folded: str, start: int, reach: int) -> bool:
    """A negation word among the `reach` words right before `start`, in the same clause."""
    before = folded[max(0, start - _NEGATION_LOOKBACK):start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    words = _WORD.findall(before)[-reach - 3:]
    if any(w.startswith(_SIGNING_STEMS) for w in words):
        # "ceux qui ne signent pas le contrat militaire", "не подписал контракт с Минобороны": the negation
        # is of signing, and the contract is still the army's.
        return False
    return _has_negation(words, reach)


# Verbs of signing: a negation before them does not deny the army words after them.
_SIGNING_STEMS = ("sign", "подпис", "заключ", "توقع", "يوقع", "توقيع", "وقع", "تمضي", "يمضي", "امضا", "واژۆ", "ييمزا")


# Arabic ما and Arabizi "ma" also join clauses: "اول ما توصل" (as soon as you arrive), "بعد ما", "كل ما", "مثل ما".
# After these words ما is no negation.
_MA = frozenset({"ما", "ma"})
_MA_CONJUNCTIONS = _word_set("اول بعد قبل كل مثل حسب زي شلون شكد لحد الي علي awal awwal ba3d kul mithl 7asab zay")


# "If you don't sign ...", "اذا ما توقع", "если не подпишешь": a condition does not deny what follows; it names it.
_CONDITIONALS = _word_set("if unless si если ежели اذا لو ان ئەگەر يەگەر ida iza itha idha eza law lo")


def _has_negation(words: list[str], reach: int) -> bool:
    """A negation word among the last `reach` of `words` (three more words are given, to read it in context)."""
    for index in range(max(0, len(words) - reach), len(words)):
        word = words[index]
        if word not in NEGATION_WORDS:
            continue
        if word in _MA and index > 0 and words[index - 1] in _MA_CONJUNCTIONS:
            continue
        if any(w in _CONDITIONALS for w in words[max(0, index - 3):index]):
            continue
        return True
    return False


# -- folding, fast -----------------------------------------------------------------------------------------
def fold_offsets(text: str) -> tuple[str, Sequence[int]]:
    """bot.text.normalize.fold_with_offsets, with the same result, in a fraction of the time on long texts.

    Most characters fold to exactly one character; only the others (accents as separate marks, Arabic
    harakat, tatweel, zero-width characters, ligatures) change the length. When there are none, offsets are
    the identity and the text is folded with `lower()` plus a substitution of the few characters that fold
    further (ё, أ, é ...); otherwise in one `translate` call, with offsets built between those characters.
    """
    table = {ch: fold(ch) for ch in set(text)}
    irregular = {ch for ch, folded in table.items() if len(folded) != 1}
    if not irregular:
        return _fold_same_length(text, table), range(len(text))
    folded = text.translate({ord(ch): folded for ch, folded in table.items()})
    offsets: list[int] = []
    previous = 0
    for index, ch in enumerate(text) if len(irregular) > _MANY_IRREGULAR else _positions(text, irregular):
        if ch not in irregular:
            continue
        offsets.extend(range(previous, index))
        offsets.extend([index] * len(table[ch]))
        previous = index + 1
    offsets.extend(range(previous, len(text)))
    return folded, offsets


def _fold_same_length(text: str, table: dict[str, str]) -> str:
    further: dict[str, str] = {}  # lower-case character -> what fold makes of it, where that differs
    for ch, folded in table.items():
        lower = ch.lower()
        if len(lower) != 1 or ch in _CONTEXT_LOWER:
            return text.translate({ord(c): f for c, f in table.items()})  # lower() would not do: the slow way
        if lower != folded:
            further.setdefault(lower, folded)
    if any(further.get(ch.lower(), ch.lower()) != folded for ch, folded in table.items()):
        return text.translate({ord(c): f for c, f in table.items()})
    lowered = text.lower()
    if not further:
        return lowered
    pattern = re.compile("[" + "".join(re.escape(ch) for ch in further) + "]")
    return pattern.sub(lambda m: further[m.group()], lowered)


_CONTEXT_LOWER = {"\u03a3"}  # Σ: lower() depends on the next letter, fold does not
_MANY_IRREGULAR = 40


def _positions(text: str, chars: set[str]) -> Iterator[tuple[int, str]]:
    pattern = re.compile("[" + "".join(re.escape(ch) for ch in chars) + "]")
    for match in pattern.finditer(text):
        yield match.start(), match.group()


# -- evidence -----------------------------------------------------------------------------------------------
def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch in _WORD_CHARS_EXTRA or unicodedata.category(ch).startswith("M")


def _evidence(text: str, offsets: Sequence[int], spans: list[tuple[int, int]]) -> tuple[str, ...]:
    quotes: list[str] = []
    for start, end in spans:
        quote = _quote(text, offsets, start, end)
        if quote and quote not in quotes:
            quotes.append(quote)
        if len(quotes) >= MAX_EVIDENCE:
            break
    return tuple(quotes)


def _quote(text: str, offsets: Sequence[int], start: int, end: int) -> str:
    """The original words behind folded[start:end]: whole words, at most MAX_QUOTE_CHARS, exactly as typed."""
    first, last = offsets[start], offsets[end - 1] + 1
    a, b = first, last
    while a > 0 and _is_word_char(text[a - 1]) and first - a < 30:
        a -= 1
    while b < len(text) and _is_word_char(text[b]) and b - last < 30:
        b += 1
    if b - a > MAX_QUOTE_CHARS:
        a, b = first, min(last, first + MAX_QUOTE_CHARS)
    quote = text[a:b]
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in quote):
        # A lone surrogate cannot be sent anywhere; quote the longest clean piece instead.
        pieces = re.split("[\ud800-\udfff]", quote)
        quote = max(pieces, key=len)
    return quote.strip()
