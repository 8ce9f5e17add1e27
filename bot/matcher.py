"""Matching a question, written any way people write, to the FAQ topic that answers it.

Evidence for each topic, all on normalised text (bot/normalize.py), within the question's language:
- nearest examples by character n-gram TF-IDF cosine: robust to typos, inflection (Russian cases, Arabic
  prefixes) and word order, where whole-word matching fails on two-word questions;
- the topic as a whole (all its examples and keywords as one document), so a question that mixes
  phrasings of several examples still finds its topic;
- edit-distance similarity to the examples, which rewards near-copies of an example (typos);
- keywords: a topic keyword found in the question (prefix-tolerant, so "scholarships" finds "scholarship").
Arabic typed in Latin letters is compared through consonant skeletons (bot/arabizi.py) with every Arabic
example, and directly with the arabizi examples.
A long message is also scored clause by clause, and its best clause lifts the whole (stories bury the
question among background every topic shares). Latin or Cyrillic words inside Arabic-script text are also
compared with the English/French/Russian examples ("scholarship", "Министерство обороны").

The combined score is 0-100. The answer is given (`answered`) only when the best topic is both strong and
clearly ahead of the next: a wrong confident answer is worse than offering choices.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.arabizi import skeleton
from bot.langid import detect_language
from bot.models import LANGUAGES, MatchResult, TopicScore
from bot.normalize import normalize

# Long texts are offers, not questions; their first part is enough to tell the topic.
MAX_QUERY_CHARS = 400
STEM_CHARS = 5  # truncation stemming: "scholarships" and "scholarship" share "schol"
SPELL_FIX = True
SPELL_MIN_CHARS = 5  # shorter words have too many close neighbours to correct safely
SPELL_MIN_RATIO = 88.0  # "weather" is 86 from "whether": real words must stay


# SMS and chat shorthand, already normalised, expanded to the words the examples use. Only applied to words
# the examples of that language never use themselves.
_SHORTHAND: dict[str, dict[str, str]] = {
    "en": {
        "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "pliz": "please", "wat": "what",
        "wht": "what", "hw": "how", "coz": "because", "cuz": "because", "bcz": "because", "bc": "because",
        "abt": "about", "ppl": "people", "msg": "message", "bro": "brother", "govt": "government", "thx": "thanks",
        "wanna": "want to", "gonna": "going to", "dont": "do not", "cant": "can not", "wont": "will not",
        "nd": "and", "n": "and", "frm": "from", "wen": "when", "dis": "this", "tht": "that", "y": "why",
    },
    "fr": {
        "stp": "s il te plait", "svp": "s il vous plait", "pk": "pourquoi", "pq": "pourquoi",
        "pkoi": "pourquoi", "koi": "quoi", "ki": "qui", "bcp": "beaucoup", "tjr": "toujours", "tjrs": "toujours",
        "jsp": "je ne sais pas", "g": "j ai", "mm": "meme", "dc": "donc", "ds": "dans", "avc": "avec",
        "qd": "quand", "pr": "pour", "ns": "nous", "vs": "vous", "tt": "tout", "cmt": "comment", "kel": "quel",
        "slt": "salut", "mn": "mon", "ke": "que", "ya": "il y a",
    },
    "ru": {
        "щас": "сейчас", "ща": "сейчас", "че": "что", "чо": "что", "шо": "что", "плз": "пожалуйста",
        "пж": "пожалуйста", "пжл": "пожалуйста", "пжлст": "пожалуйста", "спс": "спасибо", "тлф": "телефон",
        "тг": "телеграм", "тгк": "телеграм канал", "норм": "нормально", "оч": "очень", "ваще": "вообще",
        "грит": "говорит", "чел": "человек",
    },
}


@dataclass(frozen=True)
class Weights:
    """How the evidence is combined, and the decision thresholds (tuned on tests/data/questions.jsonl)."""

    # Chosen by benchmarks/tune_matcher.py on questions.jsonl (the blend with the best objective among the
    # grid optimum and milder blends): the topic as a whole (centroid) generalises best to new wordings,
    # nearest examples and near-copies refine it. Keywords already count inside the centroid documents; as a
    # separate part they added nothing on the tuning set.
    knn: float = 0.15
    centroid: float = 0.55
    fuzzy: float = 0.30
    keyword: float = 0.0
    answer_min: float = 32.0  # the best topic needs at least this score ...
    margin_min: float = 4.0  # ... and this lead over the second (the tuner chose 2: within one typo's noise)
    sure_score: float = 48.0  # a score this high is answered whatever the margin
    candidate_min: float = 22.0  # below this a topic is not even offered as a choice


def features(norm: str) -> Counter[str]:
    """Character 3- and 4-grams inside words, plus word stems."""
    grams: Counter[str] = Counter()
    for word in norm.split():
        padded = f" {word} "
        for size in (3, 4):
            for start in range(len(padded) - size + 1):
                grams[padded[start : start + size]] += 1
        grams["w:" + word[:STEM_CHARS]] += 1
    return grams


class _VectorIndex:
    """TF-IDF vectors of short texts with an inverted index, for cosine similarity against a query."""

    def __init__(self, texts: list[str]):
        counted = [features(t) for t in texts]
        df: Counter[str] = Counter()
        for grams in counted:
            df.update(grams.keys())
        n = len(texts)
        self.idf = {g: math.log((n + 1) / (c + 1)) + 1.0 for g, c in df.items()}
        self.unknown_idf = math.log(n + 1) + 1.0  # grams never seen weigh like the rarest ones
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, grams in enumerate(counted):
            vector = {g: (1.0 + math.log(c)) * self.idf[g] for g, c in grams.items()}
            norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
            for g, w in vector.items():
                self.postings[g].append((index, w / norm))
        self.size = n

    def cosine(self, norm_text: str) -> dict[int, float]:
        grams = features(norm_text)
        query = {g: (1.0 + math.log(c)) * self.idf.get(g, self.unknown_idf) for g, c in grams.items()}
        qnorm = math.sqrt(sum(w * w for w in query.values())) or 1.0
        scores: dict[int, float] = defaultdict(float)
        for g, w in query.items():
            for index, weight in self.postings.get(g, ()):
                scores[index] += w * weight
        return {i: s / qnorm for i, s in scores.items()}


@dataclass
class _View:
    """One way of comparing within a language: plain normalised text, or Arabic consonant skeletons."""

    examples: _VectorIndex
    example_topics: list[str]
    example_texts: list[str]
    centroids: _VectorIndex
    centroid_topics: list[str]


class _LanguageIndex:
    def __init__(self, lang: str, rows: list[dict]):
        self.lang = lang
        self.views: dict[str, _View] = {"norm": self._view(rows, "norm")}
        if lang == "ar":
            self.views["skeleton"] = self._view(rows, "skeleton")
        self.keywords = self._keywords(rows)
        self._by_first = self._keyword_index()
        self.vocabulary = sorted({w for r in rows for w in r["norm"].split() if len(w) >= SPELL_MIN_CHARS})
        self._known = frozenset(w for r in rows for w in r["norm"].split())
        self._corrections: dict[str, str] = {}

    def correct(self, norm: str) -> str:
        """`norm` with each word the examples never use replaced by a close spelling they do use.

        People type on phones in a hurry ("scolarship", "pasport", "contarct"); character n-grams forgive a
        typo only partly, and keywords not at all. Only long words and close spellings are replaced, so a
        real word the FAQ does not know ("weather") is left alone.
        """
        out = []
        shorthand = _SHORTHAND.get(self.lang, {})
        for word in norm.split():
            if word in shorthand and word not in self._known:
                out.append(shorthand[word])
                continue
            if word in self._known or len(word) < SPELL_MIN_CHARS or not word.isalpha():
                out.append(word)
                continue
            fixed = self._corrections.get(word)
            if fixed is None:
                found = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=SPELL_MIN_RATIO)
                fixed = found[0] if found else word
                if len(self._corrections) < 50_000:  # bounded: queries are user-controlled
                    self._corrections[word] = fixed
            out.append(fixed)
        return " ".join(out)

    @staticmethod
    def _view(rows: list[dict], column: str) -> _View:
        examples = [r for r in rows if r["kind"] == "example" and r[column]]
        docs: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r[column]:
                docs[r["topic"]].append(r[column])
        topics = sorted(docs)
        return _View(
            examples=_VectorIndex([r[column] for r in examples]),
            example_topics=[r["topic"] for r in examples],
            example_texts=[r[column] for r in examples],
            centroids=_VectorIndex([" ".join(docs[t]) for t in topics]),
            centroid_topics=topics,
        )

    @staticmethod
    def _keywords(rows: list[dict]) -> list[tuple[str, tuple[str, ...], float]]:
        """(topic, keyword words, weight): a keyword used by fewer topics weighs more."""
        owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for r in rows:
            if r["kind"] == "keyword" and r["norm"]:
                owners[tuple(r["norm"].split())].add(r["topic"])
        out = []
        for words, topics in owners.items():
            weight = 1.0 / len(topics)
            out.extend((t, words, weight) for t in topics)
        return out

    def _keyword_index(self) -> dict[str, list[tuple[str, tuple[str, ...], float]]]:
        """Keywords by the key their first word is looked up with (see `_first_keys`): scanning every
        keyword at every word position dominated the time per question."""
        index: dict[str, list[tuple[str, tuple[str, ...], float]]] = defaultdict(list)
        for topic, words, weight in self.keywords:
            first = words[0]
            index[first[:4] + "*" if len(first) >= 4 else first].append((topic, words, weight))
        return index

    def _keyword_hits(self, words: list[str]) -> list[tuple[str, float]]:
        """(topic, added weight) for each keyword found in `words`, each keyword counted once."""
        seen: set[tuple[str, tuple[str, ...]]] = set()
        hits = []
        for start, word in enumerate(words):
            keys = [word] + ([word[:4] + "*"] if len(word) >= 4 else [])
            for key in keys:
                for topic, phrase, weight in self._by_first.get(key, ()):
                    if (topic, phrase) in seen:
                        continue
                    n = len(phrase)
                    if start + n <= len(words) and all(_word_matches(words[start + k], phrase[k]) for k in range(n)):
                        seen.add((topic, phrase))
                        hits.append((topic, weight * (0.6 + 0.2 * n)))
        return hits

    def score(self, norm: str, with_keywords: bool = True) -> dict[str, dict[str, float]]:
        """Combined evidence per topic, each part in 0-1 (weights applied by the Matcher)."""
        if SPELL_FIX:
            norm = self.correct(norm)
        skel = skeleton(norm) if "skeleton" in self.views else ""
        parts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for name, view in self.views.items():
            text = skel if name == "skeleton" else norm
            if not text:
                continue
            discount = 0.95 if name == "skeleton" else 1.0
            by_topic: dict[str, list[float]] = defaultdict(list)
            for index, cos in view.examples.cosine(text).items():
                by_topic[view.example_topics[index]].append(cos)
            for topic, values in by_topic.items():
                values.sort(reverse=True)
                knn = values[0] * 0.75 + (values[1] if len(values) > 1 else 0.0) * 0.25
                parts[topic]["knn"] = max(parts[topic]["knn"], knn * discount)
            for index, cos in view.centroids.cosine(text).items():
                topic = view.centroid_topics[index]
                parts[topic]["centroid"] = max(parts[topic]["centroid"], cos * discount)
            if view.example_texts:
                for value, index in _fuzzy(text, view.example_texts):
                    topic = view.example_topics[index]
                    parts[topic]["fuzzy"] = max(parts[topic]["fuzzy"], value / 100.0 * discount)
        if with_keywords:
            for topic, weight in self._keyword_hits(norm.split()):
                parts[topic]["keyword"] = min(1.0, parts[topic]["keyword"] + weight)
        return parts  # type: ignore[return-value]


def _word_matches(word: str, key: str) -> bool:
    if word == key:
        return True
    # Prefix tolerance for inflection, only on words long enough not to match by accident.
    return len(key) >= 4 and len(word) >= 4 and (word.startswith(key[: max(4, len(key) - 2)]))


def _fuzzy(text: str, choices: list[str]) -> list[tuple[float, int]]:
    """(similarity 0-100, index) of the examples the text nearly copies.

    Plain edit-distance ratio, not WRatio: WRatio scores a long question by its best-matching fragment, so
    against hundreds of short examples it gave ~85 to almost every topic and told nothing apart. The plain
    ratio drops with the length difference, so it only rewards what it should: near-copies with typos.
    """
    found = process.extract(text, choices, scorer=fuzz.ratio, limit=12, score_cutoff=40)
    return [(value, index) for _, value, index in found]


class Matcher:
    """Scores a question against every topic of its language; see the module docstring."""

    def __init__(self, rows: list[dict], urgent_topics: frozenset[str], weights: Weights | None = None):
        by_lang: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            # Normal form and skeleton are recomputed from the text: a read model compiled by an older
            # normalize/skeleton would otherwise compare stale forms with fresh queries.
            text = row.get("text") or row.get("norm") or ""
            lang = row["lang"]
            fresh = dict(row, norm=normalize(text), skeleton=skeleton(text) if lang == "ar" else "")
            by_lang[lang].append(fresh)
        self.indexes = {lang: _LanguageIndex(lang, by_lang[lang]) for lang in LANGUAGES if by_lang.get(lang)}
        self.urgent_topics = urgent_topics
        self.weights = weights or Weights()

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Top 3 topics for `text` with scores 0-100, and whether the best is confident enough to answer."""
        lang, parts = self.evidence(text, lang)
        if not parts:
            return MatchResult(lang=lang, answered=False)
        w = self.weights
        scores = {topic: combine(p, w) for topic, p in parts.items()}
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        top = tuple(TopicScore(t, round(s, 1)) for t, s in ranked[:3] if s >= w.candidate_min)
        if not top:
            return MatchResult(lang=lang, answered=False)
        best = top[0].score
        second = top[1].score if len(top) > 1 else 0.0
        answered = best >= w.sure_score or (best >= w.answer_min and best - second >= w.margin_min)
        if answered and names_other_destination(normalize(text[: MAX_QUERY_CHARS * 4])):
            answered = False  # still offered as choices: the person may mean a route through that country
        return MatchResult(
            lang=lang, answered=answered, topics=top, urgent=answered and top[0].id in self.urgent_topics
        )

    def evidence(self, text: str, lang: str | None = None) -> tuple[str, dict[str, dict[str, float]]]:
        """The question's language and, per topic, the evidence parts in 0-1 (the tuner recombines them)."""
        text = text[: MAX_QUERY_CHARS * 4]
        detected = detect_language(text)
        lang = detected or lang or "en"
        norm = normalize(text)[:MAX_QUERY_CHARS]
        if not norm or lang not in self.indexes:
            return lang, {}
        index = self.indexes[lang]
        parts = index.score(norm)
        words = norm.split()
        if len(words) >= SEGMENT_MIN_WORDS:
            parts = _with_segments(parts, [index.score(s, False) for s in _segments(text[: MAX_QUERY_CHARS * 2])])
        foreign = _foreign_evidence(self.indexes, lang, text)
        if foreign:
            parts = _with_foreign(parts, foreign)
        return lang, {t: dict(p) for t, p in parts.items()}


def combine(parts: dict[str, float], w: Weights) -> float:
    """The 0-100 score of one topic from its evidence parts."""
    return 100.0 * (
        w.knn * parts.get("knn", 0.0)
        + w.centroid * parts.get("centroid", 0.0)
        + w.fuzzy * parts.get("fuzzy", 0.0)
        + w.keyword * parts.get("keyword", 0.0)
    )


# A long message is a story around one question; its most informative sentence carries the topic, while
# the whole text dilutes it with greetings and background shared by every topic.
SEGMENT_MIN_WORDS = 12
SEGMENT_WORDS = 8  # unpunctuated stories are cut into overlapping windows of this many words
SEGMENT_WEIGHT = 0.5  # how much the best segment counts against the whole text
MAX_SEGMENTS = 8
_CLAUSE_SPLIT = re.compile(r"[.!?;:\n\u061f\u061b\u060c,\u06d4]+")


def _segments(text: str) -> list[str]:
    """Sentences or clauses of `text` (normalised), or word windows where there is no punctuation."""
    out: list[str] = []
    for clause in _CLAUSE_SPLIT.split(text):
        words = normalize(clause).split()
        if len(words) < 3:
            continue
        if len(words) <= SEGMENT_WORDS + 4:
            out.append(" ".join(words))
            continue
        step = SEGMENT_WORDS // 2
        for start in range(0, len(words) - step, step):
            out.append(" ".join(words[start : start + SEGMENT_WORDS]))
    return out[:MAX_SEGMENTS]


def _with_segments(
    whole: dict[str, dict[str, float]], segments: list[dict[str, dict[str, float]]]
) -> dict[str, dict[str, float]]:
    """Each part: the whole text's evidence, raised halfway towards the best segment's when that is higher."""
    if not segments:
        return whole
    out: dict[str, dict[str, float]] = defaultdict(dict)
    topics = set(whole).union(*segments)
    for topic in topics:
        base = whole.get(topic, {})
        for key in PARTS:
            own = base.get(key, 0.0)
            best = max((s.get(topic, {}).get(key, 0.0) for s in segments), default=0.0)
            if key == "keyword":  # keywords are already found anywhere in the whole text
                out[topic][key] = own
            else:
                out[topic][key] = own + SEGMENT_WEIGHT * max(0.0, best - own)
    return out


PARTS = ("knn", "centroid", "fuzzy", "keyword")

# Every topic is about Russia. A question naming another destination (studying in Turkey, a German visa) and
# not Russia is most likely out of scope, yet its words ("study", "visa", "conditions") look like our topics.
# Home countries of our users (Iraq, India, Nepal, Kenya...) and transit hubs (Dubai) are not listed.
_ELSEWHERE = re.compile(
    r"\b(?:turk(?:ey|iye)|german|poland|polish|canad|americ|usa\b|britain|england|uk\b|ital(?:y|ia)|spain|japan|korea"
    r"|malaysia|australia|turquie|allemagne|pologne|amerique|etats unis|royaume uni|angleterre|italie|espagne"
    r"|japon|coree|malaisie|australie|турци|германи|польш|канад|америк|великобритан|англи|итали|испани"
    r"|япони|коре|малайзи|австрали|сша\b)"
    r"|تركيا|المانيا|بولندا|كندا|امريكا|بريطانيا|ايطاليا|اسبانيا|اليابان|كوريا|ماليزيا|استراليا"
    r"|توركيا|يەڵمانيا|پۆڵەندا|كەنەدا|يەمريكا|بەريتانيا|ييتاڵيا|يابان|كۆريا|يوستراليا"  # Sorani, folded (ئ -> ي)
)
_RUSSIA = re.compile(
    r"\b(?:r+[ou]+s+[iy]|rus+e|russ|moscou|moscow|moskva|kazan|peters|tatarstan|alabuga|ukrain|donbas|donetsk"
    r"|росси|русск|рф|москв|казан|петербург|татарстан|алабуг|украин|донбас|донецк)"
    r"|روس|موسكو|قازان|بطرسبر|تترستان|تتارستان|الابو|اوكرانيا|ڕووس|رووس|مۆسكۆ|يۆكرانيا|يوكرانيا"
)


def names_other_destination(norm: str) -> bool:
    """The question names another destination country and nothing Russian."""
    return bool(_ELSEWHERE.search(norm)) and not _RUSSIA.search(norm)

# Latin or Cyrillic words inside Arabic-script text ("scholarship", "visa tourist", "Министерство обороны"),
# and the reverse, are compared with the index of their own language: the Arabic examples do not hold them.
_FOREIGN_RUNS = {
    "ru": re.compile(r"[\u0400-\u04ff]+(?:[\s\d.,'\-]+[\u0400-\u04ff]+)*"),
    "en": re.compile(r"[a-zA-Z\u00c0-\u024f]{3,}(?:[\s\d.,'\-]+[a-zA-Z\u00c0-\u024f]+)*"),
}
FOREIGN_WEIGHT = 0.6  # evidence from a few embedded words counts less than the question's own language


def _foreign_evidence(indexes: dict, lang: str, text: str) -> dict[str, dict[str, float]]:
    """Evidence from the Latin or Cyrillic words of an Arabic-script question, each part the best found."""
    if lang not in ("ar", "ckb"):
        return {}
    found: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for script, pattern in _FOREIGN_RUNS.items():
        runs = [normalize(r) for r in pattern.findall(text[: MAX_QUERY_CHARS * 2])]
        joined = " ".join(r for r in runs if r and not r.isdigit())
        if not joined:
            continue
        # Latin words are English, French, or arabizi (which the Arabic skeleton view already compares).
        target = "ru" if script == "ru" else detect_language(joined)
        if target not in indexes or target == "ar":
            continue
        for topic, p in indexes[target].score(joined).items():
            for key, value in p.items():
                found[topic][key] = max(found[topic][key], value)
    return found


def _with_foreign(
    own: dict[str, dict[str, float]], foreign: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = defaultdict(dict)
    for topic in set(own) | set(foreign):
        for key in PARTS:
            mine = own.get(topic, {}).get(key, 0.0)
            theirs = FOREIGN_WEIGHT * foreign.get(topic, {}).get(key, 0.0)
            out[topic][key] = max(mine, theirs) if key != "keyword" else min(1.0, mine + theirs)
    return out
