"""The engine: the one entry point every adapter calls (Telegram, command line, local chat).

It imports nothing of Telegram. `respond` decides what a message is (an urgent situation, an offer to
check, or a question) and builds the reply; the narrower methods serve buttons and commands.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from bot import replies
from bot.config import Config
from bot.content.buildcache import cached, fingerprint, source_of
from bot.content.load import Content
from bot.content.readmodel import content_from_db, example_rows, open_read_model
from bot.models import LANGUAGES, Card, CheckResult, MatchResult, Reply
from bot.offers.checker import SignCatalogue, check_offer
from bot.questions.matcher import Matcher
from bot.text.langid import detect_language
from bot.text.markup import to_plain
from bot.text.normalize import normalize

# Texts at least this long are read as a pasted offer or contract, not as a question.
OFFER_MIN_CHARS = 220
# A short text that shows this many warning signs, and is not phrased as a question, is an offer too.
OFFER_MIN_SIGNS = 2
_QUESTION_MARK = re.compile(r"[?؟]\s*$")
# Below the answer threshold by at most this much, an urgent topic still gets the urgent path: for
# someone in danger a slightly uncertain urgent answer costs less than a menu.
URGENT_SLACK = 4.0


@dataclass
class Engine:
    content: Content
    matcher: Matcher
    signs: SignCatalogue
    texts: replies.Texts
    faq_dir: Path

    @classmethod
    def load(cls, config: Config) -> Engine:
        """Open (compiling if `faq/` changed) the read model and build the matcher. Raises ContentError."""
        db = open_read_model(config.faq_dir, config.data_dir, config.contacts_override)
        try:
            content = content_from_db(db)
            rows = example_rows(db)
        finally:
            db.close()
        urgent = frozenset(t.id for t in content.topics.values() if t.urgent)
        return cls(
            content=content,
            matcher=_load_matcher(rows, urgent, config.data_dir, config.hash_key),
            signs=SignCatalogue.load(config.faq_dir / "signs.yaml", cache_dir=config.data_dir / "cache"),
            texts=replies.Texts(content.strings),
            faq_dir=config.faq_dir,
        )

    def warm_up(self) -> None:
        """Build now what the first long offer would otherwise wait for (the bot calls this after start)."""
        self.signs.warm_up()

    # -- facts about the content -------------------------------------------------------------------
    @property
    def languages(self) -> tuple[str, ...]:
        return LANGUAGES

    @property
    def topic_ids(self) -> tuple[str, ...]:
        return tuple(self.content.topics)

    def text(self, key: str, lang: str, **fmt: object) -> str:
        return self.texts.get(key, lang, **fmt)

    def detect_language(self, text: str) -> str | None:
        return detect_language(text)

    def _lang(self, text: str, lang: str | None) -> str:
        """The reply language: the message's own language, else the one the user chose, else English."""
        return detect_language(text) or (lang if lang in LANGUAGES else None) or "en"

    # -- the core decisions ----------------------------------------------------------------------
    def match(self, text: str, lang: str | None = None) -> MatchResult:
        return self.matcher.match(text, lang)

    def check(self, text: str, lang: str | None = None) -> CheckResult:
        return check_offer(text, self.signs, lang)

    def is_offer(self, text: str, result: CheckResult | None = None) -> bool:
        """A pasted offer or contract, as opposed to a question about one."""
        stripped = text.strip()
        if len(stripped) >= OFFER_MIN_CHARS or stripped.count("\n") >= 3:
            return True
        if _QUESTION_MARK.search(stripped):
            return False
        result = result or self.check(stripped)
        return len(result.signs or result.described) >= OFFER_MIN_SIGNS  # a pasted news report is read as one

    def respond(self, text: str, lang: str | None = None, country: str | None = None,
                forwarded: bool = False, reader: str | None = None) -> Reply:
        """The reply to any free text: urgent path first, then offer check, then question answering.

        `reader`: the language the person reads (chosen, or the one they wrote in before). The language of a
        pasted or forwarded text decides only how it is read: a Russian contract pasted by someone who writes
        Arabic is checked as Russian and answered in Arabic. Without a reader, the text's language answers."""
        lang = self._lang(text, lang)
        reader = reader if reader in LANGUAGES else None
        if not normalize(text):
            return replies.fallback_reply(self.content, self.texts, reader or lang, country)
        match = self.match(text, lang)
        if self._urgent_topic(match):
            return self.topic_reply(match.topics[0].id, (reader if forwarded else None) or lang, urgent=True)
        result = self.check(text, lang)
        pressured = self._pressure_topic(result)
        if pressured and not forwarded and len(text.strip()) < OFFER_MIN_CHARS:
            # Someone describing a threat or a taken passport in their own words needs the urgent steps,
            # not an analysis of their message.
            return self.topic_reply(pressured, lang, urgent=True)
        if forwarded or self.is_offer(text, result):
            return self._check_reply(result, reader or lang)
        return self._answer(match, lang, country)

    def _pressure_topic(self, result: CheckResult) -> str | None:
        """The urgent topic for a sign that means the person is already under pressure, if any."""
        found = {hit.id for hit in result.signs}
        return next((topic for sign, topic in replies.URGENT_SIGNS.items()
                     if sign in found and topic in self.content.topics), None)

    def _urgent_topic(self, match: MatchResult) -> bool:
        if not match.topics or match.topics[0].id not in self.matcher.urgent_topics:
            return False
        return match.answered or match.topics[0].score >= self.matcher.weights.answer_min - URGENT_SLACK

    def answer(self, text: str, lang: str | None = None, country: str | None = None) -> Reply:
        """The question path only (no offer check)."""
        lang = self._lang(text, lang)
        match = self.match(text, lang)
        if self._urgent_topic(match):
            return self.topic_reply(match.topics[0].id, lang, urgent=True)
        return self._answer(match, lang, country)

    def _answer(self, match: MatchResult, lang: str, country: str | None) -> Reply:
        if match.answered:
            return self.topic_reply(match.topics[0].id, lang)
        if match.topics:
            # Urgent topics first among the choices: the person may be in danger.
            ordered = sorted(match.topics, key=lambda t: t.id not in self.matcher.urgent_topics)
            return replies.choices_reply(self.content, self.texts, tuple(t.id for t in ordered), lang)
        return replies.fallback_reply(self.content, self.texts, lang, country)

    def check_reply(self, text: str, lang: str | None = None) -> Reply:
        lang = self._lang(text, lang)
        return self._check_reply(self.check(text, lang), lang)

    def _check_reply(self, result: CheckResult, lang: str) -> Reply:
        return replies.check_reply(self.content, self.texts, result, lang, self.signs.title, self.signs.explain)

    # -- buttons and commands --------------------------------------------------------------------
    def topic_reply(self, topic_id: str, lang: str, urgent: bool | None = None) -> Reply:
        topic = self.content.topics[topic_id]
        return replies.answer_reply(self.content, self.texts, topic, lang, topic.urgent if urgent is None else urgent)

    def fallback_reply(self, lang: str, country: str | None = None) -> Reply:
        return replies.fallback_reply(self.content, self.texts, lang, country)

    def hotline_reply(self, lang: str, country: str | None = None) -> Reply:
        return replies.hotline_reply(self.content, self.texts, lang, country)

    def signs_reply(self, lang: str) -> Reply:
        return replies.signs_reply(self.texts, lang, list(self.signs.ids), self.signs.title, self.signs.explain)

    def welcome_reply(self, lang: str) -> Reply:
        return replies.welcome_reply(self.texts, lang)

    def language_reply(self, lang: str) -> Reply:
        return replies.language_reply(self.texts, lang, LANGUAGES)

    def countries(self) -> tuple[str, ...]:
        """Countries that have contacts of their own (for the "which country?" buttons)."""
        found = {c for contact in self.content.contacts.values() for c in contact.countries if c != "*"}
        return tuple(sorted(found))

    def inline_cards(self, query: str, lang: str | None = None, limit: int = 10) -> list[Card]:
        """Warning cards to share into any chat: the topics the query matches, or the most shared ones."""
        lang = self._lang(query, lang)
        match = self.match(query, lang) if normalize(query) else None
        ids = [t.id for t in match.topics] if match and match.topics else []
        for default in ("verify-offer", "study-offer", "job-offer", "contract-in-russian", "hotline"):
            if default in self.content.topics and default not in ids:
                ids.append(default)
        cards = []
        for topic_id in ids[:limit]:
            reply = self.topic_reply(topic_id, lang, urgent=False)
            title = replies.topic_title(self.content.topics[topic_id], lang)
            first_line = reply.text.split("\n", 1)[0]
            cards.append(Card(id=f"{topic_id}:{lang}", title=title, description=to_plain(first_line)[:120],
                              text=reply.text))
        return cards


def _matcher_code() -> list[object]:
    """Every module whose code or data shapes the built matcher: a change to any of them rebuilds it."""
    import importlib
    import pkgutil

    import bot.lang
    import bot.questions
    import bot.text

    names = [info.name for package in (bot.lang, bot.text, bot.questions)
             for info in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    return [bot.lang, bot.text, bot.questions, *(importlib.import_module(name) for name in sorted(names))]


def _load_matcher(rows: list[dict], urgent: frozenset[str], data_dir: Path, hash_key: bytes | None) -> Matcher:
    """The matcher, from the data directory's cache when it was built from the same rows by the same code."""
    from bot.keys import load_or_create_key

    wanted = fingerprint([json.dumps(rows, sort_keys=True, ensure_ascii=False, default=str).encode(),
                          " ".join(sorted(urgent)).encode(), *source_of(*_matcher_code())])
    try:
        key: bytes | None = load_or_create_key(data_dir, hash_key)
    except Exception:  # no key, no cache: build as before
        key = None
    return cached(data_dir / "cache" / "matcher.pickle", key, wanted, lambda: Matcher(rows, urgent))
