"""Matching a question, written any way people write, to the FAQ topic that answers it.

Evidence for each topic, all on normalised text (bot/normalize.py), within the question's language:
- nearest examples by character n-gram TF-IDF cosine: robust to typos, inflection (Russian cases, Arabic
  prefixes) and word order, where whole-word matching fails on two-word questions;
- the topic as a whole (all its examples and keywords as one document), so a question that mixes
  phrasings of several examples still finds its topic;
- rapidfuzz WRatio against the examples, which rewards near-copies of an example;
- keywords: a topic keyword found in the question (prefix-tolerant, so "scholarships" finds "scholarship").
Arabic typed in Latin letters is compared through consonant skeletons (bot/arabizi.py) with every Arabic
example, and directly with the arabizi examples.

The combined score is 0-100. The answer is given (`answered`) only when the best topic is both strong and
clearly ahead of the next: a wrong confident answer is worse than offering choices.
"""

from __future__ import annotations

import math
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


@dataclass(frozen=True)
class Weights:
    """How the evidence is combined, and the decision thresholds (tuned on tests/data/questions.jsonl)."""

    knn: float = 0.45
    centroid: float = 0.20
    fuzzy: float = 0.20
    keyword: float = 0.15
    answer_min: float = 42.0  # the best topic needs at least this score ...
    margin_min: float = 4.0  # ... and this lead over the second to be answered outright
    sure_score: float = 62.0  # a score this high is answered whatever the margin
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

    def score(self, norm: str, skel: str) -> dict[str, float]:
        """Combined evidence per topic, each part in 0-1 (weights applied by the Matcher)."""
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
                for _, value, index in process.extract(
                    text, view.example_texts, scorer=fuzz.WRatio, limit=12, score_cutoff=50
                ):
                    topic = view.example_topics[index]
                    parts[topic]["fuzzy"] = max(parts[topic]["fuzzy"], value / 100.0 * discount)
        words = norm.split()
        for topic, keyword, weight in self.keywords:
            if _contains_phrase(words, keyword):
                parts[topic]["keyword"] = min(1.0, parts[topic]["keyword"] + weight * (0.6 + 0.2 * len(keyword)))
        return parts  # type: ignore[return-value]


def _word_matches(word: str, key: str) -> bool:
    if word == key:
        return True
    # Prefix tolerance for inflection, only on words long enough not to match by accident.
    return len(key) >= 4 and len(word) >= 4 and (word.startswith(key[: max(4, len(key) - 2)]))


def _contains_phrase(words: list[str], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(all(_word_matches(words[start + k], phrase[k]) for k in range(n)) for start in range(len(words) - n + 1))


class Matcher:
    """Scores a question against every topic of its language; see the module docstring."""

    def __init__(self, rows: list[dict], urgent_topics: frozenset[str], weights: Weights | None = None):
        by_lang: dict[str, list[dict]] = defaultdict(list)
        for row in rows:
            by_lang[row["lang"]].append(row)
        self.indexes = {lang: _LanguageIndex(lang, by_lang[lang]) for lang in LANGUAGES if by_lang.get(lang)}
        self.urgent_topics = urgent_topics
        self.weights = weights or Weights()

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Top 3 topics for `text` with scores 0-100, and whether the best is confident enough to answer."""
        text = text[: MAX_QUERY_CHARS * 4]
        detected = detect_language(text)
        lang = detected or lang or "en"
        norm = normalize(text)[:MAX_QUERY_CHARS]
        if not norm or lang not in self.indexes:
            return MatchResult(lang=lang, answered=False)
        scores = self._scores(lang, norm)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        top = tuple(TopicScore(t, round(s, 1)) for t, s in ranked[:3] if s >= self.weights.candidate_min)
        if not top:
            return MatchResult(lang=lang, answered=False)
        best = top[0].score
        second = top[1].score if len(top) > 1 else 0.0
        w = self.weights
        answered = best >= w.sure_score or (best >= w.answer_min and best - second >= w.margin_min)
        return MatchResult(
            lang=lang, answered=answered, topics=top, urgent=answered and top[0].id in self.urgent_topics
        )

    def _scores(self, lang: str, norm: str) -> dict[str, float]:
        w = self.weights
        skel = skeleton(norm) if lang == "ar" else ""
        parts = self.indexes[lang].score(norm, skel)
        return {
            topic: 100.0
            * (
                w.knn * p.get("knn", 0.0)
                + w.centroid * p.get("centroid", 0.0)
                + w.fuzzy * p.get("fuzzy", 0.0)
                + w.keyword * p.get("keyword", 0.0)
            )
            for topic, p in parts.items()
        }
