"""The conversation: what the bot says to a person, turn by turn, the same for every adapter.

Telegram (bot/telegram/) and the local chat (bot/localchat.py) turn what the person did into an `Incoming`
(a text, a command, a button, a file), call `Conversation.step`, and render the `Turn` it returns; neither
holds a flow of its own, so both give the same replies. The state machine is drawn in docs/ARCHITECTURE.md:

- the person's `Settings` (language chosen, country, the poster they came from) are stored by the `Store`
  the conversation is given (bot/state), under a keyed hash of the person (`ref`), never their id;
- a short `Memory` (the language they last wrote in, "the next text is an offer to check", "the country
  was asked", the last question a menu answered) lives in the adapter's memory only, never on disk;
- counts for the NGO statistics and scrubbed unanswered questions go to the store; message text never does.

No I/O of its own: the engine answers, the store stores, the adapter sends.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.engine import Engine
from bot.models import Button, Reply
from bot.ngo.links import parse_start_payload
from bot.text.markup import escape
from bot.text.smalltalk import on_topic, small_talk

COUNTRY_BUTTONS_PER_ROW = 3
OTHER_COUNTRY = "ZZ"  # ISO 3166 user-assigned code: "some other country", stored like any country code
# How long the last topic is remembered (adapter memory only): a follow-up within it gets a short menu,
# not the same long answer again; later, the same question is answered in full as if new.
FOLLOW_UP_SECONDS = 30 * 60
# Pasted texts in these languages, from someone whose language is not known yet, get a language choice
# first: contracts arrive in Russian and most people who paste them cannot read it (issue 15). A pasted
# Arabic or Kurdish offer is answered in its language: whoever pastes it reads it.
ASK_READER_FOR = frozenset({"ru"})

# Commands every adapter offers a person (NGO staff commands are the Telegram adapter's own).
COMMANDS = ("start", "help", "check", "hotline", "signs", "language", "privacy", "forget", "subscribe",
            "unsubscribe")
# Kinds of button action (bot.models.Button): "topic:<id>", "lang:<code>", "country:<CC>" and these.
ACTIONS = ("topic", "hotline", "check", "ask", "signs", "language", "lang", "country", "none", "more")


class Store(Protocol):
    """What the conversation needs of the state (bot.state.State has it)."""

    def set_user(self, ref: str, *, lang: str | None = None, country: str | None = None,
                 source: str | None = None) -> None: ...
    def record_question(self, ref: str | None, lang: str, topic: str | None = None, answered: bool = False,
                        source: str | None = None) -> None: ...
    def record_check(self, ref: str | None, lang: str, risk: str, signs: Sequence[str] = ()) -> None: ...
    def queue_unanswered(self, text: str, lang: str) -> None: ...
    def forget(self, ref: str) -> dict[str, int]: ...
    def subscribe(self, ref: str, chat_id: int, lang: str | None = None) -> None: ...
    def unsubscribe(self, ref: str) -> None: ...


class NoStore:
    """A store that keeps nothing: the conversation without statistics (e.g. `scambot chat --no-stats`)."""

    def set_user(self, ref: str, *, lang: str | None = None, country: str | None = None,
                 source: str | None = None) -> None:
        return None

    def record_question(self, ref: str | None, lang: str, topic: str | None = None, answered: bool = False,
                        source: str | None = None) -> None:
        return None

    def record_check(self, ref: str | None, lang: str, risk: str, signs: Sequence[str] = ()) -> None:
        return None

    def queue_unanswered(self, text: str, lang: str) -> None:
        return None

    def forget(self, ref: str) -> dict[str, int]:
        return {}

    def subscribe(self, ref: str, chat_id: int, lang: str | None = None) -> None:
        return None

    def unsubscribe(self, ref: str) -> None:
        return None


@dataclass(frozen=True)
class Settings:
    """What the person chose, kept by the store: their language, their country, the link they came by."""

    lang: str | None = None
    country: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Memory:
    """What the conversation remembers between turns, in the adapter's memory only (never stored)."""

    last_lang: str | None = None  # the language of the last reply: the person's current language
    awaiting_check: bool = False  # after "check an offer": the next text is read as an offer
    asked_country: bool = False  # the country was asked once; afterwards every contact is shown
    last_question: tuple[str, str] | None = None  # (text, lang) a menu answered, for "none of these"
    last_topic: str | None = None  # the topic last answered ...
    last_topic_at: float = 0.0  # ... and when (the conversation's clock), for follow-ups
    pending_paste: tuple[str, bool] | None = None  # (text, forwarded) waiting for the reader's language
    more: tuple[str, str] | None = None  # (html, lang): the rest of the last long reply, for the "more" button


@dataclass(frozen=True)
class Person:
    ref: str | None  # the store's keyed hash of the person; None: nothing is recorded
    settings: Settings = field(default_factory=Settings)
    memory: Memory = field(default_factory=Memory)
    app_lang: str | None = None  # the language of the person's app, when the platform tells it


@dataclass(frozen=True)
class Incoming:
    """One thing the person did. `kind`: "text", "command" (`command` without its slash, `text` its
    argument, `quoted` the message it replies to), "button" (`action`), or "media" (`text` its caption)."""

    kind: str
    text: str = ""
    command: str = ""
    action: str = ""
    quoted: str = ""
    quoted_media: bool = False  # the command replies to a message without text (a picture, a file)
    forwarded: bool = False
    chat: int | None = None  # where alerts would be delivered (a Telegram chat); None: no alerts here


@dataclass(frozen=True)
class Turn:
    replies: tuple[Reply, ...]
    person: Person
    notice: str | None = None  # a short notice instead of a message (Telegram: the button's toast)


def info(text: str, lang: str, buttons: tuple[tuple[Button, ...], ...] = ()) -> Reply:
    return Reply(text, lang, "info", buttons)


def flag(code: str) -> str:
    """The flag emoji of a two-letter country code (regional indicator symbols): needs no translation."""
    return "".join(chr(0x1F1E6 + ord(c) - ord("A")) for c in code.upper() if "A" <= c <= "Z")


@dataclass
class Conversation:
    engine: Engine
    store: Store = field(default_factory=NoStore)
    retention_days: int = 90
    clock: Callable[[], float] = time.monotonic

    # -- languages ----------------------------------------------------------------------------------
    @staticmethod
    def ui_lang(person: Person) -> str:
        """The language of commands and buttons: the last language the person wrote in, else the one they
        chose, else their app's, else English."""
        return person.memory.last_lang or person.settings.lang or person.app_lang or "en"

    @staticmethod
    def preferred_lang(person: Person) -> str | None:
        """The hint given to the engine for free text (the engine prefers the text's own language)."""
        return person.settings.lang or person.app_lang or person.memory.last_lang

    @staticmethod
    def reader_lang(person: Person) -> str | None:
        """The language the person reads, if known: the one they last wrote in (or were answered in), else
        the one they chose, else their app's. A pasted text's own language never decides it."""
        return person.memory.last_lang or person.settings.lang or person.app_lang

    # -- one turn -----------------------------------------------------------------------------------
    def step(self, person: Person, incoming: Incoming) -> Turn:
        turn = self._step(person, incoming)
        longer = next((reply for reply in reversed(turn.replies) if reply.more), None)
        if longer is None:
            return turn
        memory = replace(turn.person.memory, more=(longer.more, longer.lang))
        return replace(turn, person=replace(turn.person, memory=memory))

    def _step(self, person: Person, incoming: Incoming) -> Turn:
        if incoming.kind == "text":
            memory = replace(person.memory, awaiting_check=False, pending_paste=None)
            return self._respond(replace(person, memory=memory), incoming.text,
                                 incoming.forwarded or person.memory.awaiting_check)
        if incoming.kind == "media":
            if incoming.text:  # a forwarded screenshot often carries the offer's text as its caption
                return self._respond(person, incoming.text, incoming.forwarded)
            return Turn((info(self.engine.text("media_unsupported", self.ui_lang(person)), self.ui_lang(person)),),
                        person)
        if incoming.kind == "command":
            return self._command(person, incoming)
        if incoming.kind == "button":
            return self._button(person, incoming.action)
        raise ValueError(f"unknown kind of incoming: {incoming.kind!r}")

    def _respond(self, person: Person, text: str, forwarded: bool) -> Turn:
        if not forwarded:
            talk = small_talk(text, self.reader_lang(person))
            if talk:
                return self._small_talk(person, talk.kind, talk.lang)
        reader = self.reader_lang(person)
        reply = self.engine.respond(text, self.preferred_lang(person), person.settings.country,
                                    forwarded=forwarded, reader=reader)
        if reply.kind == "check" and reader is None and reply.lang in ASK_READER_FOR:
            return self._ask_reader(person, text, forwarded)
        if reply.kind == "fallback" and not forwarded and not on_topic(text):
            lang = reply.lang
            self.store.record_question(person.ref, lang, topic=None, answered=False, source=person.settings.source)
            self.store.queue_unanswered(text, lang)  # scrubbed by the store: a reviewer sees what was judged off-topic
            return Turn((info(self.engine.text("off_topic", lang), lang, (self._main_row(lang),)),),
                        replace(person, memory=replace(person.memory, last_lang=lang)))
        if reply.kind in ("answer", "urgent") and not forwarded and self._is_follow_up(person, reply.topic):
            return self._follow_up(person, reply, text)
        return Turn((reply,), self._record(person, reply, text))

    def _main_row(self, lang: str) -> tuple[Button, ...]:
        return (Button(self.engine.text("btn_check", lang), "check"),
                Button(self.engine.text("btn_hotline", lang), "hotline"))

    def _small_talk(self, person: Person, kind: str, lang: str) -> Turn:
        """A greeting, thanks, "ok" or "who are you": one short line in their language on what the bot does."""
        rows: tuple[tuple[Button, ...], ...] = (self._main_row(lang),)
        if kind in ("greeting", "who"):
            rows = self.engine.welcome_reply(lang).buttons
        person = replace(person, memory=replace(person.memory, last_lang=lang))
        return Turn((info(self.engine.text(f"smalltalk_{kind}", lang), lang, rows),), person)

    def _ask_reader(self, person: Person, text: str, forwarded: bool) -> Turn:
        """A pasted Russian text from someone whose language is unknown: which language to answer in, one tap
        (each language says it in its own words); the paste waits in the adapter's memory, never on disk."""
        lines = [self.engine.text("paste_choose_language", code) for code in self.engine.languages]
        choice = self.engine.language_reply("en")
        waiting = replace(person, memory=replace(person.memory, pending_paste=(text, forwarded)))
        return Turn((info("\n".join(lines), "en", choice.buttons),), waiting)

    def _is_follow_up(self, person: Person, topic: str | None) -> bool:
        memory = person.memory
        return (topic is not None and topic == memory.last_topic
                and self.clock() - memory.last_topic_at <= FOLLOW_UP_SECONDS)

    def _follow_up(self, person: Person, reply: Reply, question: str) -> Turn:
        """The same topic again within a short time: not the same long answer, a short "what else" menu with the
        topic's related answers and the main actions."""
        lang = reply.lang
        text = self.engine.text("followup_same", lang)
        if reply.kind == "urgent":  # the most urgent step stays first, even the second time
            text = reply.text.split("\n\n", 2)[1].split("\n", 1)[0] + "\n\n" + text
        return Turn((info(text, lang, reply.buttons),), self._record(person, reply, question))

    def _record(self, person: Person, reply: Reply, question: str | None) -> Person:
        """Statistics (counts only) and the review queue (scrubbed by the store) for one reply."""
        memory = replace(person.memory, last_lang=reply.lang)
        if reply.kind in ("answer", "urgent") and reply.topic:
            memory = replace(memory, last_topic=reply.topic, last_topic_at=self.clock())
        if reply.kind == "check":
            self.store.record_check(person.ref, reply.lang, reply.risk or "low", reply.signs)
            return replace(person, memory=memory)
        answered = reply.kind in ("answer", "urgent")
        self.store.record_question(person.ref, reply.lang, topic=reply.topic, answered=answered,
                                   source=person.settings.source)
        if reply.kind == "choices" and question:
            memory = replace(memory, last_question=(question, reply.lang))  # memory only, for "none of these"
        elif reply.kind == "fallback" and question:
            self.store.queue_unanswered(question, reply.lang)
        return replace(person, memory=memory)

    # -- commands -------------------------------------------------------------------------------------
    def _command(self, person: Person, incoming: Incoming) -> Turn:
        name, lang, engine = incoming.command, self.ui_lang(person), self.engine
        if name == "start":
            return self._start(person, incoming.text)
        if name == "check":
            text = incoming.text or incoming.quoted
            if not text and incoming.quoted_media:  # /check as a reply to a picture: no text to read
                return Turn((info(engine.text("check_needs_text", lang), lang),), person)
            if not text:  # "/check" alone: as the button, the next text is the offer
                return self._button(person, "check")
            # respond(forwarded=True), not check_reply: the urgent path still comes first.
            return self._respond(person, text, forwarded=True)
        if name == "hotline":
            return self._hotlines(person)
        if name == "forget":
            deleted = self.store.forget(person.ref) if person.ref else {}
            forgotten = Person(person.ref, app_lang=person.app_lang)  # the in-memory copy goes too
            if deleted:
                items = ", ".join(f"{escape(kind)}: {count}" for kind, count in sorted(deleted.items()))
                return Turn((info(engine.text("forget_done", lang, items=items), lang),), forgotten)
            return Turn((info(engine.text("forget_nothing", lang), lang),), forgotten)
        if name == "subscribe" and incoming.chat is not None and person.ref:
            self.store.subscribe(person.ref, incoming.chat, lang)
            return Turn((info(engine.text("subscribe_done", lang), lang),), person)
        if name == "unsubscribe" and incoming.chat is not None and person.ref:
            self.store.unsubscribe(person.ref)
            return Turn((info(engine.text("unsubscribe_done", lang), lang),), person)
        simple = {
            "help": lambda: info(engine.text("help", lang), lang),
            "signs": lambda: engine.signs_reply(lang),
            "language": lambda: engine.language_reply(lang),
            "privacy": lambda: info(engine.text("privacy", lang, days=self.retention_days), lang),
        }
        if name in simple:
            return Turn((simple[name](),), person)
        return Turn((info(engine.text("unknown_command", lang), lang),), person)

    def _start(self, person: Person, payload: str) -> Turn:
        # The whole argument: "src-a b" is malformed, not the source "src-a". Malformed: nothing, never echoed.
        source, link_lang = parse_start_payload(payload or None)
        # The link's language, else the language of what they last wrote, else the one they chose, else
        # their app's: the same order as every other command, so /start never switches language.
        lang = link_lang or self.ui_lang(person)
        if person.ref:
            self.store.set_user(person.ref, lang=link_lang, source=source)
        settings = replace(person.settings, lang=link_lang or person.settings.lang,
                           source=source or person.settings.source)
        person = replace(person, settings=settings, memory=replace(person.memory, last_lang=lang))
        return Turn((self.engine.welcome_reply(lang),), person)

    def _hotlines(self, person: Person) -> Turn:
        lang, engine = self.ui_lang(person), self.engine
        countries = engine.countries()
        if person.settings.country or person.memory.asked_country or not countries:
            return Turn((engine.hotline_reply(lang, person.settings.country),), person)
        labels = [Button(f"{flag(code)} {code}", f"country:{code}") for code in countries]
        rows = [tuple(labels[i:i + COUNTRY_BUTTONS_PER_ROW]) for i in range(0, len(labels), COUNTRY_BUTTONS_PER_ROW)]
        rows.append((Button(engine.text("country_other", lang), f"country:{OTHER_COUNTRY}"),))
        asked = replace(person, memory=replace(person.memory, asked_country=True))  # ask once
        return Turn((info(engine.text("hotline_ask_country", lang), lang, tuple(rows)),), asked)

    # -- buttons --------------------------------------------------------------------------------------
    def still_valid(self, action: str) -> bool:
        """A well-formed button may still name a topic or language that no longer exists (content reloaded)."""
        kind, _, arg = action.partition(":")
        if kind not in ACTIONS:
            return False
        if kind == "topic":
            return arg in self.engine.topic_ids
        if kind == "lang":
            return arg in self.engine.languages
        if kind == "country":
            return arg == OTHER_COUNTRY or arg in self.engine.countries()
        return True

    def _button(self, person: Person, action: str) -> Turn:
        lang, engine = self.ui_lang(person), self.engine
        if not self.still_valid(action):
            return Turn((), person, notice=engine.text("stale_button", lang))
        kind, _, arg = action.partition(":")
        if kind == "topic":
            reply = engine.topic_reply(arg, lang)
            return Turn((reply,), self._record(person, reply, None))
        if kind == "hotline":
            return self._hotlines(person)
        if kind == "check":
            awaiting = replace(person, memory=replace(person.memory, awaiting_check=True))
            return Turn((info(engine.text("check_prompt", lang), lang),), awaiting)
        if kind == "ask":
            return Turn((info(engine.text("ask_prompt", lang), lang),), person)
        if kind == "signs":
            return Turn((engine.signs_reply(lang),), person)
        if kind == "more":  # the rest of the last long reply, from memory; gone after a restart or /forget
            if not person.memory.more:
                return Turn((), person, notice=engine.text("stale_button", lang))
            more, more_lang = person.memory.more
            return Turn((info(more, more_lang, (self._main_row(more_lang),)),), person)
        if kind == "language":
            return Turn((engine.language_reply(lang),), person)
        if kind == "lang":
            if person.ref:
                self.store.set_user(person.ref, lang=arg)
            pending = person.memory.pending_paste
            chosen = replace(person, settings=replace(person.settings, lang=arg),
                             memory=replace(person.memory, last_lang=arg, pending_paste=None))
            confirmed = info(engine.text("language_set", arg), arg)
            if pending:  # the paste that asked for the language: its verdict, in the language just chosen
                reply = engine.respond(pending[0], None, person.settings.country, forwarded=pending[1], reader=arg)
                return Turn((confirmed, reply), self._record(chosen, reply, pending[0]))
            return Turn((confirmed,), chosen)
        if kind == "country":
            if person.ref:
                self.store.set_user(person.ref, country=arg)
            located = replace(person, settings=replace(person.settings, country=arg))
            return Turn((engine.hotline_reply(lang, arg),), located)
        # "none": none of the suggestions fit; the question goes to the review queue (scrubbed by the store).
        last = person.memory.last_question
        person = replace(person, memory=replace(person.memory, last_question=None))
        if last:
            self.store.queue_unanswered(last[0], last[1])
            lang = last[1]
        fallback = engine.fallback_reply(lang, person.settings.country)
        text = engine.text("none_of_these", lang).strip() + "\n\n" + fallback.text
        return Turn((info(text, lang, fallback.buttons),), person)
