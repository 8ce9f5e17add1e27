"""Matching a question, written any way people write, to the FAQ topic that answers it.

Evidence for each topic, all on normalised text (bot/text/normalize.py), within the question's language:
- nearest examples by character n-gram TF-IDF cosine: robust to typos, inflection (Russian cases, Arabic
  prefixes) and word order, where whole-word matching fails on two-word questions;
- the topic as a whole (all its examples and keywords as one document), so a question that mixes
  phrasings of several examples still finds its topic;
- edit-distance similarity to the examples, which rewards near-copies of an example (typos);
- keywords: a topic keyword found in the question (prefix-tolerant, so "scholarships" finds "scholarship").
Arabic typed in Latin letters is compared through consonant skeletons (bot/text/arabizi.py) with every Arabic
example, and directly with the arabizi examples.
A long message is also scored clause by clause, and its best clause lifts the whole (stories bury the
question among background every topic shares). Latin or Cyrillic words inside Arabic-script text are also
compared with the English/French/Russian examples ("scholarship", "Министерство обороны").

Character n-grams and word prefixes are joined by light per-language stems (bot/text/normalize.py `stem`), so
an inflected or clitic-laden word ("паспортом", "بالجواز", "پاسپۆرتەکەم") also matches as a whole word.

The combined score is 0-100. The answer is given (`answered`) only when the best topic is both strong and
clearly ahead of the next, or when the kinds of evidence agree on it, and in either case when it beats the
background, a pseudo-topic of everyday questions that is never offered: a wrong confident answer is worse
than offering choices.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from bot.models import LANGUAGES, MatchResult, TopicScore
from bot.questions.classifier import TopicClassifier
from bot.questions.decision import THRESHOLD, feature_values, probability
from bot.questions.decision import explain as explain_decision
from bot.text.arabizi import skeleton
from bot.text.langid import detect_language
from bot.text.normalize import fold, normalize, stem
from bot.text.sorani import plain_sorani
from bot.text.translit import latin_to_cyrillic

_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# Long texts are offers, not questions; their first part is enough to tell the topic.
MAX_QUERY_CHARS = 400
STEM_CHARS = 5  # truncation stemming: "scholarships" and "scholarship" share "schol"
SPELL_FIX = True
STEMS = True  # light per-language stems as features (bot/text/normalize.py `stem`)
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


# The background: everyday questions, per language, that no topic answers (weather, cooking, tourism,
# language lessons, exchange rates, sport, phones, greetings, other countries' visas). It is scored like one
# more topic and never offered; a topic is answered only when it beats the background by `background_margin`.
# Near-scope questions ("learn Russian", "ruble rate", "visit Moscow") share our words ("Russian", "visa",
# "study"), and without a model of what else people ask, only a high threshold kept them out, which also
# kept out many right answers.
BACKGROUND = "_background"
BACKGROUND_EXAMPLES: dict[str, list[str]] = {
    "en": [
        "when will the war end", "news about the war today",
        "english lessons for adults", "private russian tutor at home", "where to exchange money", "buy a sim card",
        "visa for thailand", "how to write a cv", "whats the weather like tomorrow", "how do i cook rice",
        "recipe for chicken soup", "best places to see in moscow as a tourist", "how to learn russian quickly",
        "russian alphabet for beginners", "dollar to ruble rate", "cheap hotels in saint petersburg",
        "who won the football game yesterday", "how do i apply for a student visa to france",
        "how to fix the wifi on my phone", "tell me a joke", "hello how are you", "good morning", "thank you so much",
        "what time is it in moscow now", "translate this sentence into english", "how to prepare for my exams",
        "best universities in the world", "price of flight tickets to istanbul", "how to make money online",
        "what is the capital of russia", "recommend some russian music", "how to open a bank account", "ok", "bye",
    ],
    "fr": [
        "quand est ce que la guerre va finir", "les infos sur la guerre aujourd'hui",
        "cours d'anglais pour adultes", "professeur de russe a domicile", "ou changer de l'argent",
        "acheter une carte sim", "visa pour le maroc", "comment ecrire un cv", "quel temps fait il demain",
        "comment cuisiner le riz", "recette de soupe au poulet", "que visiter a moscou en touriste",
        "apprendre le russe rapidement", "alphabet russe pour debutants", "taux du dollar en roubles",
        "hotel pas cher a saint petersbourg", "qui a gagne le match hier",
        "comment avoir un visa etudiant pour la belgique", "mon wifi ne marche pas", "raconte moi une blague",
        "salut comment tu vas", "bonne nuit", "merci infiniment", "quelle heure est il a moscou",
        "traduis cette phrase", "comment reviser pour mes examens", "meilleures universites du monde",
        "prix des billets d'avion pour paris", "comment gagner de l'argent sur internet",
        "quelle est la capitale de la russie", "musique russe a ecouter", "ouvrir un compte bancaire", "ok",
        "au revoir",
    ],
    "ru": [
        "когда закончится война", "новости о войне сегодня",
        "уроки английского для взрослых", "репетитор по русскому языку", "где обменять деньги", "купить сим карту",
        "виза в таиланд", "как написать резюме", "какая погода завтра", "как сварить рис", "рецепт куриного супа",
        "что посмотреть в москве туристу", "как быстро выучить английский", "русский алфавит для начинающих",
        "курс доллара к рублю", "дешевые гостиницы в питере", "кто выиграл матч вчера",
        "как получить студенческую визу во францию", "не работает интернет на телефоне", "расскажи анекдот",
        "привет как дела", "доброе утро", "большое спасибо", "сколько сейчас времени в москве",
        "переведи это предложение", "как подготовиться к экзаменам", "лучшие университеты мира",
        "цена билетов в стамбул", "как заработать в интернете", "какая столица россии", "посоветуй русскую музыку",
        "как открыть счет в банке", "ок", "пока",
    ],
    "ar": [
        "امتى تنتهي الحرب", "اخبار الحرب اليوم",
        "دورة لغة انكليزية للكبار", "مدرس خصوصي لغة روسية", "وين اصرف فلوس", "اشتري شريحة موبايل", "فيزا لتايلند",
        "شلون اكتب سي في", "كيف الطقس غدا", "طريقة طبخ الرز", "وصفة شوربة دجاج", "اماكن سياحية في موسكو",
        "كيف اتعلم اللغة الروسية بسرعة", "الحروف الروسية للمبتدئين", "سعر الدولار مقابل الروبل",
        "فنادق رخيصة في بطرسبرغ", "منو فاز بالمباراة البارحة", "كيف احصل على فيزا دراسة لفرنسا",
        "الواي فاي ما يشتغل بالموبايل", "احجيلي نكتة", "هلو شلونك", "صباح الخير", "شكرا جزيلا",
        "شكد الساعة بموسكو هسه", "ترجم هذه الجملة", "شلون اقرا للامتحانات", "افضل جامعات العالم",
        "سعر تذكرة طيران لاسطنبول", "كيف اربح فلوس من الانترنت", "ما هي عاصمة روسيا", "اغاني روسية حلوة",
        "كيف افتح حساب بالبنك", "تمام", "مع السلامة", "shlonkum", "sabah el 5eir", "shukran", "el jaw shlon baachir",
    ],
    "ckb": [
        "کەی شەڕەکە کۆتایی دێت", "هەواڵەکانی شەڕ ئەمڕۆ",
        "خولی زمانی ئینگلیزی بۆ گەورەکان", "مامۆستای تایبەتی زمانی ڕووسی", "لە کوێ پارە بگۆڕمەوە", "سیمکارتێک بکڕم",
        "ڤیزا بۆ تایلەند", "چۆن سیڤی بنووسم", "سبەی کەش و هەوا چۆنە", "چۆن برنج لێبنێم",
        "ڕێگای دروستکردنی شۆربای مریشک", "شوێنە گەشتیارییەکانی مۆسکۆ", "چۆن بە خێرایی ڕووسی فێر بم",
        "پیتەکانی ئەلفوبێی ڕووسی", "نرخی دۆلار بە ڕۆبڵ", "هۆتێلی هەرزان لە پترسبۆرگ", "دوێنێ کێ یارییەکەی بردەوە",
        "چۆن ڤیزای خوێندن بۆ فەرەنسا وەربگرم", "ئینتەرنێتی مۆبایلەکەم کار ناکات", "نوکتەیەکم بۆ بگێڕەوە", "چۆنی باشی",
        "بەیانی باش", "زۆر سوپاس", "ئێستا لە مۆسکۆ کاتژمێر چەندە", "ئەم ڕستەیە وەربگێڕە",
        "چۆن خۆم بۆ تاقیکردنەوە ئامادە بکەم", "باشترین زانکۆکانی جیهان", "نرخی بلیتی فڕۆکە بۆ ئەستەنبوڵ",
        "چۆن لە ئینتەرنێت پارە پەیدا بکەم", "پایتەختی ڕووسیا چییە", "گۆرانی ڕووسی خۆش", "چۆن هەژمارێکی بانک بکەمەوە",
        "باشە", "خوات لەگەڵ",
    ],
}


@dataclass(frozen=True)
class Weights:
    """How the evidence is combined, and the decision thresholds (tuned on eval/questions.jsonl)."""

    # Chosen by benchmarks/tune_matcher.py on questions.jsonl (the blend with the best objective among the
    # grid optimum and milder blends): the topic as a whole (centroid) generalises best to new wordings,
    # nearest examples and near-copies refine it. Keywords already count inside the centroid documents; as a
    # separate part they added nothing on the tuning set.
    knn: float = 0.15
    centroid: float = 0.55
    fuzzy: float = 0.30
    keyword: float = 0.0
    # The learned classifier's probability (bot/questions/classifier.py); 0: today's matcher. See
    # CLASSIFIER_BLEND below for the blend chosen on the dev half and why it is not the default.
    model: float = 0.0
    answer_min: float = 32.0  # the best topic needs at least this score ...
    margin_min: float = 4.0  # ... and this lead over the second (the tuner chose 2: within one typo's noise)
    sure_score: float = 48.0  # a score this high is answered whatever the margin
    candidate_min: float = 22.0  # below this a topic is not even offered as a choice
    background_margin: float = 10.0  # ... and the best topic must beat the background (everyday questions) by this
    # A second way to be answered, for a best topic that is not strong but that every kind of evidence points to:
    # at least `agree_parts` of the four parts (nearest example, topic as a whole, near-copy, keyword) rank it
    # first, a keyword of its own (weight >= `agree_keyword`: not shared with other topics) is in the question,
    # and it stands clearly above the second topic and the background. Independent evidence agreeing is what a
    # lower threshold alone lacks. Chosen on questions.jsonl and checked on questions_fresh.jsonl: no
    # out-of-scope question and no wrong topic passed it there.
    agree_min: float = 30.0
    agree_margin: float = 2.0
    agree_parts: int = 3
    agree_keyword: float = 0.8
    agree_background: float = 12.0
    # A question that names nothing of our scope (see `names_scope`) needs this score to be answered. Set from
    # near-scope questions written for questions_fresh.jsonl (lost passport at home, one's own army, the fire
    # brigade's number), which scored up to 37 and were answered at the old 32.
    unanchored_min: float = 38.0
    # The decision to answer learned on held-out questions (bot/questions/decision.py) instead of the thresholds
    # above; False keeps today's hand-set rule (the baseline the benchmarks compare with).
    learned_decision: bool = False


# Issue 13 (2026-12-05): the blend with the classifier, chosen on the dev half of the blind questions
# (eval/blind/questions_dev.jsonl) among classifier weights 0.1-0.5 x thresholds lowered by 0-8 points, as the one
# answering most right with wrong-confident <= 1% and out of scope rejected >= 95% there (dev: answered right
# 61.9% -> 65.6%, top-1 86.8% -> 91.1%). On the test half it ranks better (top-3 89.9% -> 93.5%, answered right
# 55.2% -> 59.4%) but answers wrongly 2.9% (from 1.0%) and rejects 94.6% of out-of-scope questions (from 97.3%):
# both beyond the limits, so it is not the default. `scambot eval --blind test --blend classifier`.
CLASSIFIER_BLEND = Weights(knn=0.12, centroid=0.44, fuzzy=0.24, model=0.20, answer_min=28.0, sure_score=44.0,
                           candidate_min=18.0, agree_min=26.0, unanchored_min=34.0)
BLENDS = {"today": Weights(), "classifier": CLASSIFIER_BLEND}


def features(norm: str, lang: str | None = None) -> Counter[str]:
    """Character 3- and 4-grams inside words, plus word prefixes and, when the language is known, light stems
    (bot/text/normalize.py `stem`): a whole-word feature that survives inflection ("паспортом" = "паспорта")."""
    grams: Counter[str] = Counter()
    for word in norm.split():
        padded = f" {word} "
        for size in (3, 4):
            for start in range(len(padded) - size + 1):
                grams[padded[start : start + size]] += 1
        grams["w:" + word[:STEM_CHARS]] += 1
        if lang and STEMS:
            grams["s:" + stem(word, lang)] += 1
    return grams


class _VectorIndex:
    """TF-IDF vectors of short texts with an inverted index, for cosine similarity against a query."""

    def __init__(self, texts: list[str], lang: str | None = None):
        self.lang = lang
        counted = [features(t, lang) for t in texts]
        df: Counter[str] = Counter()
        for grams in counted:
            df.update(grams.keys())
        n = len(texts)
        self.idf = {g: math.log((n + 1) / (c + 1)) + 1.0 for g, c in df.items()}
        self.unknown_idf = math.log(n + 1) + 1.0  # grams never seen weigh like the rarest ones
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, grams in enumerate(counted):
            vector = {g: (1.0 + math.log(c)) * self.idf[g] for g, c in grams.items()}
            norm = math.sqrt(sum(w * w for w in vector.values())) or 1.0
            for g, w in vector.items():
                postings[g].append((index, w / norm))
        # The postings as two flat arrays (compressed sparse rows) and each gram's slice of them: summing a
        # query's postings is then one numpy bincount instead of a Python loop over thousands of pairs (the
        # matcher's hot spot: common grams such as " th" occur in hundreds of examples).
        self.vocab: dict[str, int] = {g: i for i, g in enumerate(postings)}
        self.gram_idf = np.array([self.idf[g] for g in postings], dtype=np.float64)
        self.indptr = np.zeros(len(postings) + 1, dtype=np.int64)
        self.indptr[1:] = np.cumsum([len(pairs) for pairs in postings.values()])
        self.indices = np.array([i for pairs in postings.values() for i, _ in pairs], dtype=np.int64)
        self.weights = np.array([w for pairs in postings.values() for _, w in pairs], dtype=np.float64)
        self.size = n

    def cosine(self, norm_text: str, grams: Counter[str] | None = None) -> dict[int, float]:
        """Cosine of `norm_text` (or of its `features`, when already computed) with every indexed text it
        shares a feature with."""
        scores = self.cosine_array(norm_text, grams)
        if scores is None:
            return {}
        hit = np.flatnonzero(scores)
        return dict(zip(hit.tolist(), scores[hit].tolist(), strict=True))

    def cosine_array(self, norm_text: str, grams: Counter[str] | None = None) -> np.ndarray | None:
        """The cosines as one array over the indexed texts; None when the text shares no feature with any."""
        if grams is None:
            grams = features(norm_text, self.lang)
        if not grams:
            return None
        vocab = self.vocab
        ids = np.fromiter((vocab.get(g, -1) for g in grams), dtype=np.int64, count=len(grams))
        tf = 1.0 + np.log(np.fromiter(grams.values(), dtype=np.float64, count=len(grams)))
        seen = ids >= 0
        if not seen.any():
            return None
        unseen = tf[~seen] * self.unknown_idf  # grams never seen count in the query's norm only
        known = ids[seen]
        query = tf[seen] * self.gram_idf[known]
        qnorm = math.sqrt(float(query @ query) + float(unseen @ unseen)) or 1.0
        # Every posting of every query gram, gathered in one go: start of each gram's run, repeated over it,
        # plus the position within the run.
        starts = self.indptr[known]
        lengths = self.indptr[known + 1] - starts
        total = int(lengths.sum())
        within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        at = np.repeat(starts, lengths) + within
        return np.bincount(self.indices[at], weights=self.weights[at] * np.repeat(query / qnorm, lengths),
                           minlength=self.size)


@dataclass
class _View:
    """One way of comparing within a language: plain normalised text, or Arabic consonant skeletons."""

    examples: _VectorIndex
    example_topics: list[str]
    example_texts: list[str]
    centroids: _VectorIndex
    centroid_topics: list[str]
    classifier: TopicClassifier
    # The examples' topics as numbers, for per-topic sums over numpy arrays (_nearest_two).
    topic_names: list[str] = field(init=False)
    example_topic_ids: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.topic_names = sorted(set(self.example_topics))
        number = {topic: i for i, topic in enumerate(self.topic_names)}
        self.example_topic_ids = np.array([number[t] for t in self.example_topics], dtype=np.int64)


class _LanguageIndex:
    def __init__(self, lang: str, rows: list[dict]):
        self.lang = lang
        self.views: dict[str, _View] = {"norm": self._view(rows, "norm", lang)}
        if lang == "ar":
            self.views["skeleton"] = self._view(rows, "skeleton", None)
        if lang == "ckb":  # Sorani typed without its letters meets the examples in their plain spelling
            self.views["plain"] = self._view(rows, "plain", None)
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
    def _view(rows: list[dict], column: str, lang: str | None) -> _View:
        examples = [r for r in rows if r["kind"] == "example" and r[column]]
        docs: dict[str, list[str]] = defaultdict(list)
        for r in rows:
            if r[column]:
                docs[r["topic"]].append(r[column])
        topics = sorted(docs)
        return _View(
            examples=_VectorIndex([r[column] for r in examples], lang),
            example_topics=[r["topic"] for r in examples],
            example_texts=[r[column] for r in examples],
            centroids=_VectorIndex([" ".join(docs[t]) for t in topics], lang),
            centroid_topics=topics,
            classifier=TopicClassifier([r[column] for r in examples], [r["topic"] for r in examples],
                                       lambda text: features(text, lang)),
        )

    @staticmethod
    def _keywords(rows: list[dict]) -> list[tuple[str, tuple[str, ...], float]]:
        """(topic, keyword words, weight): a keyword used by fewer topics weighs more."""
        owners: dict[tuple[str, ...], set[str]] = defaultdict(set)
        for r in rows:
            if r["kind"] == "keyword" and r["norm"]:
                owners[tuple(r["norm"].split())].add(r["topic"])
        out: list[tuple[str, tuple[str, ...], float]] = []
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
            text = skel if name == "skeleton" else plain_sorani(norm) if name == "plain" else norm
            if not text:
                continue
            discount = 0.95 if name in ("skeleton", "plain") else 1.0
            grams = features(text, view.examples.lang)  # the same for the examples and the topics of a view
            for topic, knn in _nearest_two(view, view.examples.cosine_array(text, grams)):
                parts[topic]["knn"] = max(parts[topic]["knn"], knn * discount)
            for index, cos in view.centroids.cosine(text, grams).items():
                topic = view.centroid_topics[index]
                parts[topic]["centroid"] = max(parts[topic]["centroid"], cos * discount)
            for topic, prob in view.classifier.probabilities(grams).items():
                parts[topic]["model"] = max(parts[topic]["model"], prob * discount)
            if view.example_texts:
                for value, index in _fuzzy(text, view.example_texts):
                    topic = view.example_topics[index]
                    parts[topic]["fuzzy"] = max(parts[topic]["fuzzy"], value / 100.0 * discount)
        if with_keywords:
            for topic, weight in self._keyword_hits(norm.split()):
                parts[topic]["keyword"] = min(1.0, parts[topic]["keyword"] + weight)
        return parts


def _nearest_two(view: _View, scores: np.ndarray | None) -> list[tuple[str, float]]:
    """Per topic, 0.75 x its most similar example + 0.25 x its second: one close example counts most, a
    second one confirms. Topics with no similar example at all are left out."""
    if scores is None:
        return []
    topics = view.example_topic_ids
    order = np.lexsort((-scores, topics))  # by topic, then by score, highest first
    by_topic, ranked = topics[order], scores[order]
    starts = np.flatnonzero(np.r_[True, by_topic[1:] != by_topic[:-1]])
    best = ranked[starts]
    nxt = np.minimum(starts + 1, len(ranked) - 1)
    second = np.where((starts + 1 < len(ranked)) & (by_topic[nxt] == by_topic[starts]), ranked[nxt], 0.0)
    knn = best * 0.75 + second * 0.25
    names = view.topic_names
    return [(names[t], k) for t, k, b in zip(by_topic[starts].tolist(), knn.tolist(), best.tolist(), strict=True)
            if b > 0.0]


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
            norm = normalize(text)
            fresh = dict(row, norm=norm, skeleton=skeleton(text) if lang == "ar" else "",
                         plain=plain_sorani(norm) if lang == "ckb" else "")
            by_lang[lang].append(fresh)
        for lang, texts in BACKGROUND_EXAMPLES.items():
            if by_lang.get(lang):
                by_lang[lang].extend(
                    {"topic": BACKGROUND, "lang": lang, "kind": "example", "text": t, "norm": normalize(t),
                     "skeleton": skeleton(t) if lang == "ar" else "",
                     "plain": plain_sorani(normalize(t)) if lang == "ckb" else ""}
                    for t in texts
                )
        self.indexes = {lang: _LanguageIndex(lang, by_lang[lang]) for lang in LANGUAGES if by_lang.get(lang)}
        self.urgent_topics = urgent_topics
        self.weights = weights or Weights()

    def match(self, text: str, lang: str | None = None) -> MatchResult:
        """Top 3 topics for `text` with scores 0-100, and whether the best is confident enough to answer."""
        lang, parts = self.evidence(text, lang)
        if not parts:
            return MatchResult(lang=lang, answered=False)
        w = self.weights
        ranked, answered = decide({topic: combine(p, w) for topic, p in parts.items()}, w, parts)
        top = tuple(TopicScore(t, round(s, 1)) for t, s in ranked)
        if not top:
            return MatchResult(lang=lang, answered=False)
        norm = normalize(text[: MAX_QUERY_CHARS * 4])
        if w.learned_decision:
            answered = probability(decision_inputs(parts, w, norm)) >= THRESHOLD
        elif answered and top[0].score < self.weights.unanchored_min and not names_scope(norm):
            answered = False
        if answered and names_other_destination(norm):
            answered = False  # still offered as choices: the person may mean a route through that country
        return MatchResult(
            lang=lang, answered=answered, topics=top, urgent=answered and top[0].id in self.urgent_topics
        )

    def explain(self, text: str, lang: str | None = None) -> dict:
        """Why the answer was (not) given: the decision's inputs, their contributions and the probability."""
        lang, parts = self.evidence(text, lang)
        if not parts:
            return {"lang": lang, "probability": 0.0, "threshold": THRESHOLD}
        norm = normalize(text[: MAX_QUERY_CHARS * 4])
        values = decision_inputs(parts, self.weights, norm)
        return {"lang": lang, "probability": round(probability(values), 3), "threshold": THRESHOLD,
                "contributions": explain_decision(values), "other_destination": names_other_destination(norm),
                "evidence": {t: {k: round(v, 3) for k, v in p.items()} for t, p in sorted(
                    parts.items(), key=lambda kv: -combine(kv[1], self.weights))[:3]}}

    def evidence(self, text: str, lang: str | None = None) -> tuple[str, dict[str, dict[str, float]]]:
        """The question's language and, per topic, the evidence parts in 0-1 (the tuner recombines them)."""
        text = text[: MAX_QUERY_CHARS * 4]
        detected = detect_language(text)
        lang = detected or lang or "en"
        if lang == "ru" and not _CYRILLIC.search(text):
            text = latin_to_cyrillic(text)  # Russian typed in Latin letters: compared with the Russian examples
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


def decide(
    scores: dict[str, float], w: Weights, parts: dict[str, dict[str, float]] | None = None
) -> tuple[list[tuple[str, float]], bool]:
    """The topics offered (best first, at most 3) and whether the best is answered, from per-topic scores
    (and the evidence parts they were combined from, for the agreement rule; see `Weights`).

    The best topic is answered when it is very strong, or strong and clearly ahead of the next, or when the
    kinds of evidence agree on it; in every case it must also beat the background (everyday questions).
    """
    scores = dict(scores)
    background = scores.pop(BACKGROUND, 0.0)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    top = [(t, s) for t, s in ranked[:3] if s >= w.candidate_min]
    if not top:
        return top, False
    best = top[0][1]
    second = top[1][1] if len(top) > 1 else 0.0
    answered = best >= w.sure_score or (best >= w.answer_min and best - second >= w.margin_min)
    if not answered and parts and best >= w.agree_min and best - second >= w.agree_margin:
        answered = best - background >= w.agree_background and _evidence_agrees(top[0][0], parts, w)
    return top, answered and best - background >= w.background_margin


def decision_inputs(parts: dict[str, dict[str, float]], w: Weights, norm: str) -> dict[str, float]:
    """The learned decision's features (bot/questions/decision.py) from the evidence of every topic."""
    scores = {topic: combine(p, w) for topic, p in parts.items()}
    background = scores.pop(BACKGROUND, 0.0)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    scope = names_scope(norm)
    if not ranked:
        return feature_values(0.0, 0.0, background, 0, 0.0, scope, len(norm.split()), False)
    best_topic, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    own = parts.get(best_topic, {})
    firsts = sum(
        1 for key in AGREEMENT_PARTS
        if own.get(key, 0.0) > 0 and all(p.get(key, 0.0) <= own[key] for t, p in parts.items() if t != BACKGROUND)
    )
    _top, rule = decide(dict(scores, **{BACKGROUND: background}), w, parts)
    rule = rule and (best >= w.unanchored_min or scope)
    return feature_values(best, second, background, firsts, own.get("keyword", 0.0), scope, len(norm.split()), rule,
                          own.get("model", 0.0), parts.get(BACKGROUND, {}).get("model", 0.0))


def _evidence_agrees(topic: str, parts: dict[str, dict[str, float]], w: Weights) -> bool:
    own = parts.get(topic, {})
    if own.get("keyword", 0.0) < w.agree_keyword:
        return False
    firsts = 0
    for key in AGREEMENT_PARTS:
        mine = own.get(key, 0.0)
        if mine > 0 and all(p.get(key, 0.0) <= mine for t, p in parts.items() if t != BACKGROUND):
            firsts += 1
    return firsts >= w.agree_parts


def combine(parts: dict[str, float], w: Weights) -> float:
    """The 0-100 score of one topic from its evidence parts."""
    return 100.0 * (
        w.knn * parts.get("knn", 0.0)
        + w.centroid * parts.get("centroid", 0.0)
        + w.fuzzy * parts.get("fuzzy", 0.0)
        + w.keyword * parts.get("keyword", 0.0)
        + w.model * parts.get("model", 0.0)
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


PARTS = ("knn", "centroid", "fuzzy", "keyword", "model")
AGREEMENT_PARTS = PARTS[:4]  # the agreement rule (see `Weights`) was set on these four

# Every topic is about Russia. A question naming another destination (studying in Turkey, a German visa) and
# not Russia is most likely out of scope, yet its words ("study", "visa", "conditions") look like our topics.
# Home countries of our users (Iraq, India, Nepal, Kenya...) and transit hubs (Dubai) are not listed.
_ELSEWHERE = re.compile(
    r"\b(?:turk(?:ey|iye)|german|poland|polish|canad|americ|usa\b|britain|england|uk\b|ital(?:y|ia)|spain|japan|korea"
    r"|malaysia|australia|turquie|allemagne|pologne|amerique|etats unis|royaume uni|angleterre|italie|espagne"
    r"|japon|coree|malaisie|australie|турци|германи|польш|канад|америк|великобритан|англи|итали|испани"
    r"|япони|коре|малайзи|австрали|сша\b"
    # Other destinations people ask about: France and Belgium (French-speaking Africans), China, the Gulf
    # states that hire drivers and guards (not the UAE: Dubai and Abu Dhabi are routes into Russia).
    r"|france|belgi|netherland|holland|sweden|suede|switzerland|suisse|china|chine|qatar|saudi|saoudite|kuwait"
    r"|koweit|oman\b|франци|бельги|нидерланд|голланд|швеци|швейцари|кита[йе]|катар|саудовск|кувейт)"
    r"|تركيا|المانيا|بولندا|كندا|امريكا|بريطانيا|ايطاليا|اسبانيا|اليابان|كوريا|ماليزيا|استراليا"
    r"|فرنسا|بلجيكا|هولندا|السويد|سويسرا|الصين|السعوديه|الكويت"
    r"|(?<![\u0600-\u06ff])[بلو]?(?:قطر|عمان|چين)(?![\u0600-\u06ff])"  # short names: whole words only
    r"|توركيا|يەڵمانيا|پۆڵەندا|كەنەدا|يەمريكا|بەريتانيا|ييتاڵيا|يابان|كۆريا|يوستراليا"  # Sorani, folded (ئ -> ي)
    r"|فەرەنسا|سويد|هۆڵەندا"
)
_RUSSIA = re.compile(
    r"\b(?:r+[ou]+s+[iy]|rus+e|russ|moscou|moscow|moskva|kazan|peters|tatarstan|alabuga|ukrain|donbas|donetsk"
    r"|росси|русск|рф|москв|казан|петербург|татарстан|алабуг|украин|донбас|донецк)"
    r"|روس|موسكو|قازان|بطرسبر|تترستان|تتارستان|الابو|اوكرانيا|ڕووس|رووس|مۆسكۆ|يۆكرانيا|يوكرانيا"
)


# Words of our scope (besides Russia itself): the war and armies, recruitment, contracts, offers, studies and
# visas, embassies and help lines, scams, the social networks recruiters use, the bot. Every topic is about
# being drawn to Russia or its war; a question naming none of this ("lost my passport in Baghdad", "number of
# the fire brigade", "driver job in Erbil") is more often about something else that shares a topic's words,
# so it is answered only on stronger evidence (`Weights.unanchored_min`); its topics are still offered.
_SCOPE = re.compile(
    fold(
        r"\b(?:arm(?:y|ies|ee)|militar|milit|soldat|soldier|war\b|guerre|front|ukrain|recrut|recruit|agent|"
        r"agenc|contra[ct]|mercen|prison|captur|captif|pow\b|scholar|bourse|universit|visa|embass|ambassad|"
        r"consul|hotline|helpline|bot\b|scam|arnaque|trap|piege|legit|fake|bonus|prime|tiktok|telegram|"
        r"whatsapp|facebook|instagram|influenc|citizen|citoyen|nationalit|alabuga|tatarstan|drone|offer|offre|"
        r"sign|minobor|арми|воен|солдат|войн|фронт|сво\b|украин|вербов|агент|контракт|наемн|наёмн|плен|"
        r"стипенд|вуз|университет|виз|посольств|консульств|горяч|бот|развод|обман|мошен|ловушк|бонус|выплат|"
        r"подъемн|тикток|телеграм|ватсап|вотсап|фейсбук|инстаграм|блогер|гражданств|паспорт рф|алабуг|"
        r"татарстан|дрон|предлож|оффер|подпис|минобор)|جيش|عسكر|جندي|حرب|جبه|اوكران|تجنيد|مجند|وكيل|مكتب|عقد|"
        r"مرتزق|اسير|اسرى|ماسور|منحه|جامع|فيزا|تاشير|سفار|قنصل|الخط الساخن|بوت|نصب|فخ|وهمي|مكافا|تيك|تلگرام|"
        r"تلجرام|تليجرام|واتساب|فيسبوك|انست|جنسي|الابوغ|يلابوغ|مسير|عرض|وقع|توقيع|منظم|jaish|jesh|3aqd|wakil|"
        r"maktab|visa|jinsiya|asir|tiktok|سوپا|سەرباز|شەڕ|بەرە|ئۆکران|يۆكران|بریکار|بريكار|گرێبەست|ديل|دیل|"
        r"بۆرس|زانکۆ|ڤیزا|ڤيزا|باڵیۆز|باڵيۆز|بۆت|فێڵ|ساختە|تیکتۆک|تيكتۆك|تێلیگرام|تێليگرام|فەیسبووک|فەيسبووك|"
        r"ئینستاگرام|يينستاگرام|ڕەگەزنامە|واژۆ|ئۆفەر|يۆفەر|ئەلابوگا|يەلابوگا"
    )
)


def names_scope(norm: str) -> bool:
    """The question names Russia or something of our scope (see `_SCOPE`)."""
    return bool(_SCOPE.search(norm) or _RUSSIA.search(norm))


# Another country's army ("the Iraqi army", "l'armée française", "الجيش العراقي", "سوپای عێراق"): joining or
# serving in it is not our subject, though "army", "soldier" and "volunteer" are our words. Ukraine's army is
# ours (prisoners of war), so it is not listed.
_OTHER_ARMY = re.compile(
    fold(
        r"\b(?:iraqi|french|indian|kenyan|nepali|ghanaian|nigerian|cameroonian|senegalese|egyptian|syrian|jordanian"
        r"|pakistani|american|british|us)\s+(?:army|military|armed forces)"
        r"|\barm(?:y|ee)\s+(?:of\s+)?(?:iraq|india|kenya|nepal|francaise|indienne|camerounaise|senegalaise|ivoirienne"
        r"|marocaine|algerienne|de mon pays)|\bpeshmerga"
        r"|\b(?:иракск|индийск|казахстанск|узбекск|таджикск|кыргызск|киргизск)\w*\s+арми|арми\w*\s+(?:ирака|индии"
        r"|казахстана|узбекистана|таджикистана|кыргызстана)"
        r"|الجيش\s+(?:العراقي|المصري|السوري|الاردني|الامريكي|اللبناني)|البيشمرك|بيشمرك"
        r"|سوپای\s+(?:عێراق|عيراق|کوردستان)|پێشمەرگە"
    )
)


def names_other_destination(norm: str) -> bool:
    """The question names another destination country, or another country's army, and nothing Russian."""
    return bool(_ELSEWHERE.search(norm) or _OTHER_ARMY.search(norm)) and not _RUSSIA.search(norm)

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
        if target not in indexes or target == "ar" or (script != "ru" and target == "ru"):
            continue  # a few Latin words inside Arabic script are English or French terms, not Russian translit
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
