"""Hostile input: generated Telegram updates, admin commands from strangers, forged buttons, injection-looking
text, the token, and the webhook's secret.

Property tests run the bot's real PTB Application in this process (bot.telegram.app.build_application)
against a fake Bot API server on 127.0.0.1, feeding updates with Application.process_update: the same
handlers, filters, HTTP requests and Telegram checks as the `scambot run` process, hundreds of times faster.
The token and webhook tests start the real process, since what they check is its log and its HTTP server.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ADMIN_ID, ROOT, free_port
from fakebotapi import parse_telegram_html, utf16_len
from faultyapi import FaultyBotAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update
from telegram.ext import Application, CommandHandler

sys.path.insert(0, str(ROOT / "benchmarks"))
import load_run

from bot.config import Config
from bot.models import LANGUAGES
from bot.ngo.links import SOURCE_PATTERN
from bot.state.store import State
from bot.telegram import admin, callbacks
from bot.telegram.app import build_application
from bot.telegram.flood import FloodControl
from bot.text.scrub import scrub

SETTINGS = settings(max_examples=70, deadline=None, derandomize=False,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
BOT_USERNAME = "scamcheck_test_bot"
COMMANDS = ("start", "help", "check", "hotline", "signs", "language", "privacy", "forget", "subscribe",
            "unsubscribe", "stats", "reload", "broadcast", "nonsense", "START", "s")
ENTITY_TYPES = ("mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold", "italic",
                "underline", "strikethrough", "spoiler", "code", "pre", "text_link", "text_mention",
                "custom_emoji", "blockquote", "expandable_blockquote")
# Text that has broken bots before: markup of every kind, SQL, format strings, bidi and invisible characters.
NASTY = [
    "<b>bold</b> <i>x", "<script>alert(1)</script>", "</b>", "<a href='javascript:alert(1)'>x</a>", "&amp; &lt; &#0;",
    "&nbsp;&bogus;", "**bold** __it__ `code` ```pre``` [link](http://x) ~~s~~ ||spoiler||", "_*[]()~`>#+-=|{}.!",
    "'; drop table users;--", "\" OR 1=1 --", "Robert'); DROP TABLE counters;--", "{days}", "{0}", "{}", "%s %d %n",
    "${x}", "{{x}}", "{{7*7}}", "{__class__}", "{items!r:>{0}}", "%(days)s", "\x00", "\u202e\u2066evil\u2069",
    "\u200b\u200d\ufeff", "e\u0301\u0301\u0301\u0301", "👨‍👩‍👧‍👦" * 30, "\U0001f1ee\U0001f1f6", "ﷺ" * 50,
    "\n" * 50 + "x", "A" * 4096, "/start@other_bot", "@scamcheck_test_bot", "https://t.me/+abcdef",
    "+7 (999) 123-45-67",
]


# -- the in-process bot ----------------------------------------------------------------------------------

class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Harness:
    fake: FaultyBotAPI
    app: Application
    loop: asyncio.AbstractEventLoop
    data_dir: Path
    log: _Collect
    ids: Iterator[int]

    @property
    def svc(self) -> Any:
        return self.app.bot_data["services"]

    def feed(self, update: dict) -> None:
        self.svc.flood = FloodControl()  # every generated update is judged on its own, not as a flood
        self.loop.run_until_complete(self.app.process_update(Update.de_json(update, self.app.bot)))

    def mark(self) -> tuple[int, int, int]:
        return len(self.log.records), len(self.fake.rejected), len(self.fake.accepted)

    def since(self, mark: tuple[int, int, int]) -> tuple[list[logging.LogRecord], list, list]:
        return (self.log.records[mark[0]:], self.fake.rejected[mark[1]:], self.fake.accepted[mark[2]:])

    def state_rows(self, sql: str, args: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.data_dir / "state.db") as conn:
            return conn.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Iterator[Harness]:
    fake = FaultyBotAPI(username=BOT_USERNAME)
    fake.start()
    data_dir = load_run.prepare_data_dir(tmp_path_factory.mktemp("hostile") / "data")
    config = Config(token=fake.token, api_base_url=fake.base_url, admins=frozenset({ADMIN_ID}), data_dir=data_dir,
                    faq_dir=load_run.engine().faq_dir)
    state = State.open(data_dir)
    app = build_application(config, load_run.engine(), state)
    loop = asyncio.new_event_loop()
    loop.run_until_complete(app.initialize())
    app.bot_data["services"].username = app.bot.username
    collect = _Collect()
    root = logging.getLogger()
    root.addHandler(collect)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield Harness(fake, app, loop, data_dir, collect, itertools.count(1))
    finally:
        root.removeHandler(collect)
        root.setLevel(old_level)
        loop.run_until_complete(app.shutdown())
        loop.close()
        state.close()
        fake.stop()


def errors(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]


def sends(accepted: list, chat: int | None = None) -> list[dict]:
    return [p for _, m, p, _ in accepted if m == "sendMessage" and (chat is None or p.get("chat_id") == chat)]


def of(accepted: list, method: str) -> list[dict]:
    return [p for _, m, p, _ in accepted if m == method]


# -- building updates --------------------------------------------------------------------------------------

def user(uid: int, language_code: str | None = "en", is_bot: bool = False) -> dict:
    found: dict[str, Any] = {"id": uid, "is_bot": is_bot, "first_name": "U"}
    if language_code is not None:
        found["language_code"] = language_code
    return found


def chat(chat_id: int, kind: str) -> dict:
    return {"id": chat_id, "type": kind, **({"first_name": "U"} if kind == "private" else {"title": "G"})}


def message(h: Harness, text: str | None, uid: int, *, kind: str = "private", chat_id: int | None = None,
            entities: list | None = None, lang: str | None = "en", is_bot: bool = False, sender: bool = True,
            extra: dict | None = None) -> dict:
    chat_id = chat_id if chat_id is not None else (uid if kind == "private" else -1_000_000 - uid)
    found: dict[str, Any] = {"message_id": next(h.ids), "date": int(time.time()), "chat": chat(chat_id, kind)}
    if sender:
        found["from"] = user(uid, lang, is_bot)
    elif kind in ("group", "supergroup", "channel"):
        found["sender_chat"] = chat(chat_id, kind)
    if text is not None:
        found["text"] = text
    if entities:
        found["entities"] = entities
    found.update(extra or {})
    return found


def command_entity(text: str) -> list[dict]:
    word = text.split(" ", 1)[0].split("\n", 1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(word)}] if word.startswith("/") else []


def callback(h: Harness, data: str | None, uid: int, *, chat_id: int | None = None, inaccessible: bool = False,
             lang: str | None = "en") -> dict:
    query_id = f"cbq{next(h.ids)}"
    h.fake.expect_query(query_id)
    chat_id = chat_id if chat_id is not None else uid
    kind = "private" if chat_id > 0 else "supergroup"
    if inaccessible:  # a button on a message too old for Telegram to send its content
        bot_message: dict[str, Any] = {"message_id": 5, "date": 0, "chat": chat(chat_id, kind)}
    else:
        bot_message = {"message_id": 5, "date": int(time.time()), "chat": chat(chat_id, kind), "text": "…",
                       "from": {"id": h.fake.bot_id, "is_bot": True, "first_name": "B", "username": BOT_USERNAME}}
    query: dict[str, Any] = {"id": query_id, "from": user(uid, lang), "message": bot_message,
                             "chat_instance": f"ci{chat_id}"}
    if data is not None:
        query["data"] = data
    return {"update_id": next(h.ids), "callback_query": query}


safe_chars = st.characters(exclude_categories=("Cs",))
any_text = st.one_of(
    st.text(safe_chars, min_size=1, max_size=300),
    st.sampled_from(NASTY),
    st.tuples(st.sampled_from(NASTY), st.text(safe_chars, max_size=40), st.sampled_from(NASTY)).map("".join),
    st.tuples(st.text(safe_chars, min_size=1, max_size=30), st.integers(50, 400)).map(lambda p: (p[0] * p[1])[:4096]),
).filter(lambda t: bool(t.strip()))


@st.composite
def entities_for(draw, text: str) -> list[dict]:
    size = utf16_len(text)
    found = []
    for _ in range(draw(st.integers(0, 4))):
        if size == 0:
            break
        offset = draw(st.integers(0, size - 1))
        entity: dict[str, Any] = {"type": draw(st.sampled_from(ENTITY_TYPES)), "offset": offset,
                                  "length": draw(st.integers(1, size - offset))}
        if entity["type"] == "text_link":
            entity["url"] = draw(st.sampled_from(["https://example.org", "tg://user?id=1", "http://x/<b>"]))
        elif entity["type"] == "text_mention":
            entity["user"] = user(draw(st.sampled_from([1, 77, 123456])))
        elif entity["type"] == "custom_emoji":
            entity["custom_emoji_id"] = "5368324170671202286"
        elif entity["type"] == "pre":
            entity["language"] = draw(st.sampled_from(["", "python", "<b>"]))
        found.append(entity)
    return found


@st.composite
def text_messages(draw) -> tuple[str, dict]:
    text = draw(any_text)
    if draw(st.booleans()):
        name = draw(st.sampled_from(COMMANDS))
        mention = draw(st.sampled_from(["", "", f"@{BOT_USERNAME}", "@other_bot", "@"]))
        text = f"/{name}{mention} {text}" if draw(st.booleans()) else f"/{name}{mention}"
        entities = command_entity(text)
    else:
        entities = draw(entities_for(text))
    return text, {"entities": entities, "kind": draw(st.sampled_from(["private"] * 4 + ["group", "supergroup"])),
                  "lang": draw(st.sampled_from([None, "en", "ar", "ckb", "ku", "fr-FR", "ru", "zz", "", "x" * 20])),
                  "is_bot": draw(st.integers(0, 9)) == 0, "forwarded": draw(st.booleans()),
                  "reply": draw(st.sampled_from([None, None, "bot", "user"]))}


# -- property tests -------------------------------------------------------------------------------------------

@SETTINGS
@given(case=text_messages(), uid=st.integers(1, 2**40))
def test_any_text_message_is_handled_and_private_ones_answered(harness, case, uid):
    h = harness
    text, how = case
    extra: dict[str, Any] = {}
    if how["forwarded"]:
        extra["forward_origin"] = {"type": "hidden_user", "date": 1, "sender_user_name": "<b>Recruiter</b>"}
    if how["reply"]:
        author = {"id": h.fake.bot_id, "is_bot": True, "first_name": "B", "username": BOT_USERNAME} \
            if how["reply"] == "bot" else user(uid + 1)
        extra["reply_to_message"] = {"message_id": 1, "date": 1, "chat": chat(uid, "private"), "from": author,
                                     "text": "contract in Russian, salary 3000$"}
    update = {"update_id": next(h.ids), "message": message(h, text, uid, kind=how["kind"], entities=how["entities"],
                                                          lang=how["lang"], is_bot=how["is_bot"], extra=extra)}
    mark = h.mark()
    h.feed(update)
    records, rejected, accepted = h.since(mark)
    assert errors(records) == []
    assert rejected == []
    chat_id = update["message"]["chat"]["id"]
    if how["kind"] == "private" and not how["is_bot"]:
        assert sends(accepted, chat_id), "a private message got no answer"
    for sent in sends(accepted):
        assert sent["chat_id"] == chat_id  # nobody else hears about it
        assert h.fake.token.split(":", 1)[1] not in sent["text"]


@SETTINGS
@given(text=any_text, uid=st.integers(1, 2**40), shape=st.sampled_from(
    ["caption", "caption-group", "edited", "channel", "edited-channel", "no-sender", "service", "no-text"]))
def test_captions_edits_channel_posts_and_messages_without_sender(harness, text, uid, shape):
    h = harness
    photo = {"photo": [{"file_id": "p", "file_unique_id": "u", "width": 9, "height": 9}]}
    if shape == "caption":
        update = {"message": message(h, None, uid, extra={**photo, "caption": text,
                                                          "caption_entities": command_entity(text)})}
    elif shape == "caption-group":
        update = {"message": message(h, None, uid, kind="group", extra={**photo, "caption": text})}
    elif shape == "edited":
        update = {"edited_message": {**message(h, text, uid), "edit_date": int(time.time())}}
    elif shape == "channel":
        update = {"channel_post": message(h, text, uid, kind="channel", sender=False)}
    elif shape == "edited-channel":
        update = {"edited_channel_post": {**message(h, text, uid, kind="channel", sender=False), "edit_date": 1}}
    elif shape == "no-sender":
        update = {"message": message(h, text, uid, kind="supergroup", sender=False,
                                     entities=command_entity(text))}
    elif shape == "service":
        update = {"message": message(h, None, uid, kind="group", extra={"new_chat_members": [user(uid + 1)]})}
    else:
        update = {"message": message(h, None, uid, extra={"dice": {"emoji": "🎲", "value": 3}})}
    mark = h.mark()
    h.feed({"update_id": next(h.ids), **update})
    records, rejected, accepted = h.since(mark)
    assert errors(records) == []
    assert rejected == []
    if shape in ("edited", "channel", "edited-channel", "no-sender", "service"):
        assert sends(accepted) == []  # edits are not answered again; channels and service messages not at all
    if shape in ("caption", "no-text"):
        assert sends(accepted, uid)


@SETTINGS
@given(data=st.one_of(st.text(safe_chars, max_size=80), st.sampled_from(
    ["v1|t|study-offer", "v1|L|ar", "v1|C|ZZ", "v1|n", "v1|h", "v1|c", "v1|a", "v1|s", "v1|l", "v1|t|", "v1|C|",
     "v1|t|study-offer|x", "v1||", "|", "v1|L|ckb", "v1|L|AR", "v1|C|iq", "v1|t|../../etc/passwd"]),
    st.tuples(st.sampled_from(["v1|t|", "v1|L|", "v1|C|", "v1|", "v0|t|"]), st.text(safe_chars, max_size=60))
    .map("".join)), uid=st.integers(1, 2**40), in_group=st.integers(0, 4))
def test_any_callback_data_is_answered_once_and_decoded_safely(harness, data, uid, in_group):
    h = harness
    mark = h.mark()
    h.feed(callback(h, data, uid, chat_id=-1_000_000 - uid if in_group == 0 else None))
    records, rejected, accepted = h.since(mark)
    assert errors(records) == []
    assert rejected == []
    answers = of(accepted, "answerCallbackQuery")
    assert len(answers) == 1  # the spinner always stops, once
    if callbacks.decode(data) is None:
        assert answers[0].get("text")  # "this button no longer works"
        assert sends(accepted) == []


@SETTINGS
@given(payload=st.one_of(st.text(safe_chars, max_size=100),
                         st.from_regex(r"(lang-[a-z]{2,4}-)?src-[A-Za-z0-9_\-<>&'\"]{0,70}", fullmatch=True),
                         st.sampled_from(NASTY)), uid=st.integers(1, 2**40))
def test_any_deep_link_payload_gets_the_welcome_and_stores_only_a_valid_source(harness, payload, uid):
    h = harness
    text = f"/start {payload}"
    mark = h.mark()
    h.feed({"update_id": next(h.ids), "message": message(h, text, uid, entities=command_entity(text))})
    records, rejected, accepted = h.since(mark)
    assert errors(records) == []
    assert rejected == []
    [reply] = sends(accepted, uid)
    engine = h.svc.engine
    assert reply["text"] in {engine.welcome_reply(lang).text for lang in LANGUAGES}  # the payload is never echoed
    rows = h.state_rows("select source from users where ref = ?", (h.svc.state.user_ref(uid),))
    assert all(src is None or SOURCE_PATTERN.fullmatch(src) for (src,) in rows)


@SETTINGS
@given(query=st.one_of(st.text(safe_chars, max_size=700), st.sampled_from(NASTY)), uid=st.integers(1, 2**40),
       chat_type=st.sampled_from(["sender", "private", "group", "supergroup", "channel", None]))
def test_inline_queries_of_any_length(harness, query, uid, chat_type):
    h = harness
    query_id = f"iq{next(h.ids)}"
    h.fake.expect_query(query_id, inline=True)
    inline: dict[str, Any] = {"id": query_id, "from": user(uid), "query": query, "offset": ""}
    if chat_type:
        inline["chat_type"] = chat_type
    mark = h.mark()
    h.feed({"update_id": next(h.ids), "inline_query": inline})
    records, rejected, accepted = h.since(mark)
    assert errors(records) == []
    assert rejected == []
    [answer] = of(accepted, "answerInlineQuery")
    for result in answer["results"]:
        assert parse_telegram_html(result["input_message_content"]["message_text"])[1] is None


# -- security ------------------------------------------------------------------------------------------------

def admin_commands(app: Application) -> list[str]:
    """Every command whose handler lives in bot/telegram/admin.py (new ones are covered automatically)."""
    found = []
    for group in app.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler) and handler.callback.__module__ == admin.__name__:
                found.extend(sorted(handler.commands))
    return found


def test_a_stranger_trying_admin_commands_gets_unknown_command_and_nothing_happens(harness):
    h = harness
    names = admin_commands(h.app)
    assert {"stats", "reload", "broadcast"} <= set(names)
    stranger = 4242
    engine_before = h.svc.engine
    alerts_before = h.state_rows("select count(*) from alerts")
    unknown = engine_before.text("unknown_command", "en")
    for name in names:
        for text in (f"/{name}", f"/{name}@{BOT_USERNAME}", f"/{name} en: send us your passport\nar: x",
                     f"/{name} <b>x</b> '; drop table users;--"):
            mark = h.mark()
            h.feed({"update_id": next(h.ids), "message": message(h, text, stranger, entities=command_entity(text))})
            records, rejected, accepted = h.since(mark)
            assert errors(records) == [] and rejected == []
            assert [(m, p["chat_id"], p["text"]) for _, m, p, _ in accepted] == [("sendMessage", stranger, unknown)]
            assert any("non-admin" in r.getMessage() for r in records)  # the attempt is logged (nothing of who)
    time.sleep(0.2)  # a broadcast would have started in the background
    assert h.svc.engine is engine_before  # nothing was reloaded
    assert h.state_rows("select count(*) from alerts") == alerts_before
    assert not [t for t in h.svc.tasks if t.get_name().startswith("alert-")]


def test_forged_callbacks_naming_another_user_do_nothing_to_them(harness):
    h = harness
    victim, attacker = 5101, 5102
    h.feed({"update_id": next(h.ids), "message": message(h, "/subscribe", victim,
                                                         entities=command_entity("/subscribe"))})
    h.feed(callback(h, "v1|L|ru", victim))
    state = h.svc.state
    victim_ref = state.user_ref(victim)
    row = ("select lang, country, source, (select count(*) from subscriptions where chat_id = ?) from users "
           "where ref = ?")
    before = h.state_rows(row, (victim, victim_ref))
    assert before and before[0][3] == 1
    forged = [f"v1|L|ar|{victim}", f"v1|u|{victim}", f"v1|f|{victim}", f"v1|t|{victim_ref}", f"v1|C|{victim}",
              f"v2|forget|{victim}", f"v1|n|{victim}", json.dumps({"user": victim, "do": "forget"}), str(victim),
              f"v1|t|../{victim}", f"unsubscribe:{victim}", f"forget:{victim_ref}"[:64], f"v1|L|{victim_ref[:3]}"]
    stale = h.svc.engine.text("stale_button", "en")[:200]
    for data in forged:
        mark = h.mark()
        h.feed(callback(h, data, attacker))
        records, rejected, accepted = h.since(mark)
        assert errors(records) == [] and rejected == []
        assert [(m, p.get("text")) for _, m, p, _ in accepted] == [("answerCallbackQuery", stale)], data
    # A well-formed button pressed by the attacker changes the attacker's settings only.
    h.feed(callback(h, "v1|L|ar", attacker))
    assert h.state_rows(row, (victim, victim_ref)) == before
    assert h.state_rows("select lang from users where ref = ?", (state.user_ref(attacker),)) == [("ar",)]


def test_injection_looking_text_is_answered_safely_and_stored_nowhere_raw(harness):
    h = harness
    payloads = [p for p in NASTY if len(p.strip()) >= 3] + [
        "<b>study in Moscow</b> salary 3000$ '; drop table users;-- {days} {0} %s ${x} {{x}}",
        "<i>contract</i> **in Russian** `{items}` {{7*7}} %(days)s; DELETE FROM counters; --",
        "SELECT * FROM users WHERE ref LIKE '%'; -- is a job in Russia safe? {0} ${x}",
    ]
    uid = 5201
    tables_before = set(r[0] for r in h.state_rows("select name from sqlite_master where type = 'table'"))
    unanswered_before = {r[0] for r in h.state_rows("select text from unanswered")}
    mark = h.mark()
    for payload in payloads:
        for text, extra in ((payload, {}), (f"/check {payload}", {}),
                            (payload, {"forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "x"}})):
            before = len(sends(h.fake.accepted, uid))
            h.feed({"update_id": next(h.ids), "message": message(h, text, uid, entities=command_entity(text),
                                                                 extra=extra)})
            assert len(sends(h.fake.accepted, uid)) > before, f"no answer to {text[:40]!r}"
            h.feed(callback(h, "v1|n", uid))  # "none of these": queues the last question, scrubbed
    records, rejected, accepted = h.since(mark)
    assert errors(records) == []
    assert rejected == []  # every reply was valid Telegram HTML: nothing of the text was taken as markup
    secrets = [h.fake.token, h.fake.token.split(":", 1)[1], (h.data_dir / "hash.key").read_text().strip()]
    for sent in sends(accepted):
        assert not any(secret in sent["text"] for secret in secrets)
    # SQL stayed data: every table is still there.
    assert tables_before <= {r[0] for r in h.state_rows("select name from sqlite_master where type = 'table'")}
    # Stored nowhere raw: the review queue holds only scrubbed text, no other table holds any of it.
    new_queue = {r[0] for r in h.state_rows("select text from unanswered")} - unanswered_before
    allowed = {scrub(t) for p in payloads for t in (p, f"/check {p}")}
    assert new_queue <= allowed
    with sqlite3.connect(h.data_dir / "state.db") as conn:
        for (table,) in conn.execute("select name from sqlite_master where type = 'table' and name != 'unanswered'"):
            for row in conn.execute(f"select * from [{table}]"):
                cells = [c for c in row if isinstance(c, str)]
                assert not any(p in c for p in payloads if len(p) >= 8 for c in cells), table
    logged = "\n".join(r.getMessage() for r in records)
    assert not any(p in logged for p in payloads if len(p) >= 8)


def test_a_button_on_an_old_message_is_still_answered(harness):
    """Telegram sends an old message without content (date 0); PTB still parses a callback's as a Message."""
    h = harness
    uid = 5301
    mark = h.mark()
    h.feed(callback(h, "v1|s", uid, inaccessible=True))
    records, rejected, accepted = h.since(mark)
    assert errors(records) == [] and rejected == []
    assert sends(accepted, uid)


# -- the real process: the token and the webhook -------------------------------------------------------------

def _secret_parts(fake: FaultyBotAPI) -> list[str]:
    return [fake.token, fake.token.split(":", 1)[1]]


def test_the_token_appears_in_no_log_line_and_no_reply(tmp_path):
    """Faults on every call (warnings, retries); beside it, a start with a refused token. (A start against an
    unreachable server prints only the server's address; it retries for about 30 s, so it is left out.)"""
    with load_run.fake_server(0.3, ("429", "502", "drop", "lost")) as fake, load_run.fake_server() as other:
        failing = []
        for n, env in enumerate(({"TELEGRAM_BOT_TOKEN": "1:" + "x" * 35},)):
            failing.append(load_run.BotRunner(other, load_run.prepare_data_dir(tmp_path / f"fail{n}"),
                                              extra_env={"TELEGRAM_BOT_TOKEN": fake.token, **env}))
            failing[-1].start(wait=False)
        runner = load_run.BotRunner(fake, load_run.prepare_data_dir(tmp_path / "data"))
        runner.start()
        try:
            for n, text in enumerate(["/start", "is it safe to study in Moscow?", "/signs", "/nonsense",
                                      "<b>" + fake.token + "</b>", "/stats"]):
                fake.add_message(text, user_id=6001 + n)
            fake.add_callback("v1|t|study-offer", user_id=6010)
            fake.add_callback("garbage", user_id=6011)
            fake.add_inline_query("visa", user_id=6012)
            assert fake.wait_until(lambda: len({p["chat_id"] for p in fake.accepted_of("sendMessage")}) >= 7, 60)
        finally:
            runner.stop()
        assert sum(fake.faults_served.values()) > 0
        replies = [p["text"] for p in fake.accepted_of("sendMessage") if p["chat_id"] != 6005]
        for other_runner in failing:
            other_runner.process.wait(timeout=120)
            assert other_runner.process.returncode != 0
        outputs = [runner.log(), *(r.log() for r in failing)]
    assert "refused TELEGRAM_BOT_TOKEN" in outputs[1]
    # A failed start closes its HTTP clients: no "Unclosed client session" error from asyncio at exit.
    assert " ERROR " not in outputs[1] and "Unclosed" not in outputs[1], outputs[1][-2000:]
    for text in outputs + replies:
        for secret in _secret_parts(fake):
            assert secret not in text


def _post(url: str, body: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return -1  # not listening (yet)


def test_the_webhook_refuses_requests_without_the_secret(tmp_path):
    secret = "s3cret_" + "a" * 30
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg"
    with load_run.fake_server() as fake:
        env = load_run.BotRunner(fake, tmp_path).env()
        env.pop("SCAMBOT_WEBHOOK_SECRET", None)
        missing = subprocess.run([sys.executable, "-m", "bot", "webhook", "--url", url], cwd=ROOT, capture_output=True,
                                 text=True, timeout=60, env=env)
        assert missing.returncode == 2 and "SCAMBOT_WEBHOOK_SECRET" in missing.stderr
        runner = load_run.BotRunner(fake, load_run.prepare_data_dir(tmp_path / "data"),
                                    extra_env={"SCAMBOT_WEBHOOK_SECRET": secret},
                                    command=[sys.executable, "-m", "bot", "webhook", "--listen", "127.0.0.1",
                                             "--port", str(port), "--url", url])
        runner.start(wait=False)
        try:
            assert fake.wait_until(lambda: fake.webhook.get("url") == url, 60), runner.log()[-2000:]
            assert fake.webhook.get("secret_token") == secret
            assert fake.wait_until(lambda: _post(url, {}, None) == 403, 20)  # listening, and refusing

            def update(uid: int) -> dict:
                return {"update_id": 100 + uid, "message": {
                    "message_id": uid, "date": int(time.time()), "chat": chat(uid, "private"), "from": user(uid),
                    "text": "/help", "entities": command_entity("/help")}}

            assert _post(url, update(7001), None) == 403
            assert _post(url, update(7002), "wrong") == 403
            assert _post(url, update(7003), secret[:-1]) == 403
            assert _post(url, update(7004), secret) == 200
            assert fake.wait_until(lambda: fake.sent(7004), 20)
            time.sleep(0.5)
            assert fake.sent(7001) == fake.sent(7002) == fake.sent(7003) == []
            assert runner.alive()
        finally:
            runner.stop()
        for secret_part in [*_secret_parts(fake), secret]:
            assert secret_part not in runner.log()
