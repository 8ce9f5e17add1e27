"""End to end: the real `scambot run` process against a fake Telegram Bot API server.

Every expected reply is computed with an Engine loaded in this process from the same faq/, so these tests
check what the adapter does (routing, languages, buttons, errors, privacy), not the content itself.
Each test uses its own user ids: the bot process is shared by the whole module.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import time

import pytest
from conftest import ADMIN_ID, ROOT, BotProcess
from fakebotapi import FakeBotAPI, telegram_html_problem, utf16_len

from bot.config import Config
from bot.engine import Engine
from bot.models import LANGUAGES, Reply
from bot.telegram import callbacks
from bot.telegram.app import command_menu
from bot.telegram.handlers import inline_id
from bot.telegram.send import split_html
from bot.text.markup import to_plain

pytestmark = pytest.mark.slow

# Texts users sent in this module: none may appear in the bot's log.
SENT_TEXTS: list[str] = []


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return Engine.load(Config(data_dir=tmp_path_factory.mktemp("engine")))


@pytest.fixture(scope="module")
def bot(polling_bot: BotProcess) -> BotProcess:
    return polling_bot


# -- helpers -------------------------------------------------------------------------------------------

def say(fake: FakeBotAPI, text: str | None, user_id: int, *, n: int = 1, timeout: float = 20.0,
        chat_id: int | None = None, **kw) -> list[dict]:
    """Send a message as `user_id` and return the next `n` messages the bot sends to that chat."""
    chat = chat_id if chat_id is not None else user_id
    before = len(fake.sent(chat))
    if text:
        SENT_TEXTS.append(text)
    fake.add_message(text, user_id=user_id, chat_id=chat_id, **kw)
    assert fake.wait_until(lambda: len(fake.sent(chat)) >= before + n, timeout), \
        f"no reply to user {user_id} within {timeout}s"
    return fake.sent(chat)[before:]


def press(fake: FakeBotAPI, data: str, user_id: int, n: int = 1) -> list[dict]:
    before = len(fake.sent(user_id))
    fake.add_callback(data, user_id=user_id)
    assert fake.wait_until(lambda: len(fake.sent(user_id)) >= before + n), f"no reply to button {data!r}"
    return fake.sent(user_id)[before:]


def settle(fake: FakeBotAPI, update_id: int, seconds: float = 0.6) -> None:
    """Wait until the bot has fetched `update_id`, then a little for it to act (or not)."""
    assert fake.wait_until(lambda: fake.confirmed_offset > update_id)
    time.sleep(seconds)


def buttons(message: dict) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row]


def expected_buttons(reply: Reply) -> list[str]:
    """The callback data the adapter must put under an engine reply (actions that cannot be buttons dropped)."""
    return [data for row in reply.buttons for b in row if (data := callbacks.encode(b.action))]


def parts(text: str) -> int:
    """How many messages an engine reply becomes (split at Telegram's 4096 characters)."""
    return len(split_html(text))


def log_lines_since(bot: BotProcess, offset: int, predicate, timeout: float = 5.0) -> str:
    """The bot's log after `offset` characters, once `predicate(log)` holds (or `timeout` passed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate(bot.log()[offset:]):
        time.sleep(0.05)
    return bot.log()[offset:]


def assert_no_rejections(fake: FakeBotAPI) -> None:
    unexpected = [(m, d) for m, p, d in fake.rejected if not d.startswith("Forbidden")]
    assert unexpected == []


def user_ref(bot: BotProcess, user_id: int) -> str:
    key = bytes.fromhex((bot.data_dir / "hash.key").read_text().strip())
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:32]


def db_rows(bot: BotProcess, sql: str, args: tuple = ()) -> list[tuple]:
    with sqlite3.connect(bot.data_dir / "state.db") as conn:
        return conn.execute(sql, args).fetchall()


def questions(lang: str) -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [row["text"] for row in map(json.loads, filter(None, lines)) if row.get("lang") == lang]


# -- start, languages, deep links -------------------------------------------------------------------------

def test_start_greets_with_three_lines_and_buttons(bot, fake, engine):
    [reply] = say(fake, "/start", 2001)
    expected = engine.welcome_reply("en")
    assert reply["text"] == expected.text
    assert reply["parse_mode"] == "HTML"
    assert len(to_plain(reply["text"]).strip().splitlines()) == 3
    assert {"v1|a", "v1|c", "v1|h", "v1|l"} <= set(buttons(reply))
    assert_no_rejections(fake)


def test_command_menu_is_set_for_every_telegram_language(bot, fake, engine):
    assert fake.wait_until(lambda: len(fake.commands) >= 5)
    assert {lang for _, lang in fake.commands} == {"", "ar", "en", "fr", "ru"}
    names = {c["command"] for c in fake.commands[("default", "")]}
    assert {"start", "help", "check", "hotline", "privacy", "forget"} <= names
    assert "stats" not in names  # admin commands stay out of the menu
    for lang in ("ar", "en", "fr", "ru"):
        assert fake.commands[("default", lang)] == [{"command": c.command, "description": c.description}
                                                    for c in command_menu(engine, lang)]
    # Translated where a translation exists: the Arabic menu is not the English one.
    assert fake.commands[("default", "ar")] != fake.commands[("default", "en")]
    assert_no_rejections(fake)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_start_greets_in_the_app_language(bot, fake, engine, lang):
    user = 2100 + LANGUAGES.index(lang)
    [reply] = say(fake, "/start", user, language_code=lang)
    assert reply["text"] == engine.welcome_reply(lang).text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_question_is_answered_in_its_language(bot, fake, engine, lang):
    candidates = [q for q in questions(lang) if engine.respond(q, lang).lang == lang]
    assert candidates, f"no labelled {lang} question the engine reads as {lang}"
    text = candidates[0]
    expected = engine.respond(text, lang)
    [reply] = say(fake, text, 2200 + LANGUAGES.index(lang), language_code=lang)
    assert reply["text"] == expected.text
    assert buttons(reply) == expected_buttons(expected)
    if expected.kind == "answer":  # related topics, hotlines and "check an offer" under every answer
        assert {"v1|h", "v1|c"} <= set(buttons(reply))
    assert_no_rejections(fake)


def test_arabic_in_latin_letters_is_answered_in_arabic(bot, fake, engine):
    latin = [q for q in questions("ar") if re.fullmatch(r"[\x00-\x7f]+", q)]
    assert latin, "the labelled set has no Arabic typed in Latin letters"
    text = next((q for q in latin if engine.respond(q, "en").lang == "ar"), latin[0])
    expected = engine.respond(text, "en")
    assert expected.lang == "ar"
    [reply] = say(fake, text, 2300, language_code="en")
    assert reply["text"] == expected.text


def test_start_greets_in_the_language_they_last_wrote_in(bot, fake, engine):
    """The app says English, the person writes Arabic: /start (and every command) answers in Arabic."""
    text = next((q for q in questions("ar") if engine.respond(q, "en").lang == "ar"), None)
    assert text, "no labelled Arabic question the engine reads as Arabic"
    user = 2350
    say(fake, text, user, language_code="en", n=parts(engine.respond(text, "en").text))
    [reply] = say(fake, "/start", user, language_code="en")
    assert reply["text"] == engine.welcome_reply("ar").text


def test_deep_link_sets_language_and_source(bot, fake, engine):
    [reply] = say(fake, "/start lang-ar-src-basra_uni", 2401, language_code="en")
    assert reply["text"] == engine.welcome_reply("ar").text
    ref = user_ref(bot, 2401)
    assert fake.wait_until(lambda: db_rows(bot, "select lang, source from users where ref = ?", (ref,))
                           == [("ar", "basra_uni")])
    [reply] = say(fake, "/start src-poster_7", 2402, language_code="fr")
    assert reply["text"] == engine.welcome_reply("fr").text
    assert db_rows(bot, "select source from users where ref = ?", (user_ref(bot, 2402),)) == [("poster_7",)]
    [reply] = say(fake, "/start lang-ru", 2403, language_code="ar")  # the link's language wins over the app's
    assert reply["text"] == engine.welcome_reply("ru").text
    assert db_rows(bot, "select lang, source from users where ref = ?", (user_ref(bot, 2403),)) == [("ru", None)]


@pytest.mark.parametrize("payload", ["lang-xx", "src-", "lang-ar-src-" + "a" * 60, "<b>evil</b>", "src-bad!name",
                                     "lang-ar-", "src-a b", "EVILPAYLOAD%20x"])
def test_malformed_deep_link_is_ignored_and_never_echoed(bot, fake, engine, payload):
    user = 2500 + sum(map(ord, payload)) % 1000
    [reply] = say(fake, f"/start {payload}", user)
    assert reply["text"] == engine.welcome_reply("en").text
    assert "evil" not in reply["text"].lower() and payload not in reply["text"]
    assert db_rows(bot, "select source from users where ref = ?", (user_ref(bot, user),)) in ([], [(None,)])
    assert_no_rejections(fake)


# -- commands -----------------------------------------------------------------------------------------

def test_help_privacy_signs_language(bot, fake, engine):
    user = 2601
    assert say(fake, "/help", user)[0]["text"] == engine.text("help", "en")
    privacy = say(fake, "/privacy", user)[0]["text"]
    assert privacy == engine.text("privacy", "en", days=90)
    assert say(fake, "/signs", user)[0]["text"] == engine.signs_reply("en").text
    language = say(fake, "/language", user)[0]
    assert language["text"] == engine.language_reply("en").text
    assert {f"v1|L|{code}" for code in LANGUAGES} <= set(buttons(language))
    assert_no_rejections(fake)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_user_command_answers_in_the_app_language(bot, fake, engine, lang):
    """Each public command once, from a person whose Telegram app is set to `lang` (one user per language)."""
    user = 2650 + LANGUAGES.index(lang)
    expected = [
        ("/help", engine.text("help", lang)),
        ("/privacy", engine.text("privacy", lang, days=90)),
        ("/language", engine.language_reply(lang).text),
        ("/check", engine.text("check_prompt", lang)),  # alone, as the button: the next text is the offer
        ("/nonsense", engine.text("unknown_command", lang)),
        ("/subscribe", engine.text("subscribe_done", lang)),
        ("/unsubscribe", engine.text("unsubscribe_done", lang)),
        ("/forget", None),  # "forget_done" with the counts of what was deleted
    ]
    for command, text in expected:
        [reply] = say(fake, command, user, language_code=lang)
        if text is not None:
            assert reply["text"] == text, command
    before, _, after = engine.text("forget_done", lang, items="\x00").partition("\x00")
    assert reply["text"].startswith(before) and reply["text"].endswith(after)
    signs = engine.signs_reply(lang)
    replies = say(fake, "/signs", user, language_code=lang, n=parts(signs.text))
    assert "\n".join(to_plain(r["text"]) for r in replies).split() == to_plain(signs.text).split()
    assert buttons(replies[-1]) == expected_buttons(signs)
    assert_no_rejections(fake)


def test_unknown_command(bot, fake, engine):
    assert say(fake, "/nonsense", 2602)[0]["text"] == engine.text("unknown_command", "en")


def test_check_with_text_reply_and_without(bot, fake, engine):
    user = 2603
    offer = "Work in Russia as a warehouse helper, salary 3000 dollars, contract in Russian, we keep your passport"
    [reply] = say(fake, f"/check {offer}", user)
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text
    [reply] = say(fake, "/check", user, reply_to_text=offer)
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text
    [reply] = say(fake, "/check", user)  # alone, as the button: the next text is read as the offer
    assert reply["text"] == engine.text("check_prompt", "en")
    short = "salary 3000 dollars"
    [reply] = say(fake, short, user)
    assert reply["text"] == engine.respond(short, "en", forwarded=True).text != engine.respond(short, "en").text
    picture = {"message_id": 1, "date": 1, "chat": {"id": user, "type": "private"},
               "photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]}
    [reply] = say(fake, "/check", user, extra={"reply_to_message": picture})  # a picture: no text to read
    assert reply["text"] == engine.text("check_needs_text", "en")
    assert_no_rejections(fake)


def test_a_pasted_offer_is_told_from_a_question(bot, fake, engine):
    """No /check, not forwarded: the bot sees by itself that this is an offer, and that the next is a question."""
    user = 2610
    offer = ("Work in Russia as a warehouse helper, salary 3000 dollars per month, free flight and visa, "
             "accommodation provided. Contract signed on arrival, in Russian. Send a copy of your passport to our "
             "manager on WhatsApp. Limited places, reply today.")
    expected = engine.respond(offer, "en")
    assert expected.kind == "check"
    [reply] = say(fake, offer, user)
    assert reply["text"] == expected.text
    assert buttons(reply) == expected_buttons(expected)
    question = "is a study offer in Russia safe?"
    assert engine.respond(question, "en").kind != "check"
    [reply] = say(fake, question, user)
    assert reply["text"] == engine.respond(question, "en").text


URGENT = ["I am in Russia and they took my passport, they force me to sign a contract with the army",
          "my brother is at the front and was captured"]


@pytest.mark.parametrize("text", URGENT)
def test_urgent_situations_get_the_urgent_path_first(bot, fake, engine, text):
    user = 2620 + URGENT.index(text)
    expected = engine.respond(text, "en")
    assert expected.kind == "urgent"
    [reply] = say(fake, text, user)
    assert reply["text"] == expected.text
    # Even when pasted for checking: the urgent steps come before any analysis of the text.
    checked = engine.respond(text, "en", forwarded=True)
    assert checked.kind == "urgent"
    [reply] = say(fake, f"/check {text}", user)
    assert reply["text"] == checked.text


def test_nothing_matched_off_topic_gets_one_line_on_what_the_bot_is_for_and_is_queued(bot, fake, engine):
    """Issue 15: an off-topic question gets one line on what the bot does, not scam advice; it is still queued
    (scrubbed) so that a reviewer sees what was judged off-topic."""
    off_topic = ["what is the best recipe for chocolate cake", "my cat likes to sleep on the sofa",
                 "which football team won the cup last year"]
    text = next((t for t in off_topic if (engine.respond(t, "en").kind, engine.respond(t, "en").lang)
                 == ("fallback", "en")), None)
    assert text, "every off-topic sentence matched something: the matcher is too eager"
    before = db_rows(bot, "select count(*) from unanswered")[0][0]
    [reply] = say(fake, text, 2660)
    assert reply["text"] == engine.text("off_topic", "en")
    assert {"v1|h", "v1|c"} <= set(buttons(reply))  # hotlines and "check an offer"
    assert db_rows(bot, "select count(*) from unanswered")[0][0] == before + 1


def test_on_topic_but_unanswered_gets_the_cautious_default(bot, fake, engine):
    text = "the embassy in moscow closes at noon on fridays"  # about the subject (embassy, Moscow), no answer
    expected = engine.respond(text, "en")
    assert expected.kind == "fallback"
    [reply] = say(fake, text, 2661)
    assert reply["text"] == engine.fallback_reply("en").text == expected.text


def test_forwarded_message_is_checked_as_an_offer(bot, fake, engine):
    offer = "Free ticket and visa, 2500$ a month, sign the contract when you arrive"
    [reply] = say(fake, offer, 2604, forwarded=True)
    expected = engine.respond(offer, "en", forwarded=True)
    assert reply["text"] == expected.text
    assert expected.kind in ("check", "urgent")


def test_check_button_makes_the_next_text_an_offer(bot, fake, engine):
    user = 2605
    [prompt] = press(fake, "v1|c", user)
    assert prompt["text"] == engine.text("check_prompt", "en")
    offer = "good job offer in Moscow"
    [reply] = say(fake, offer, user)
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text


def test_subscribe_and_unsubscribe(bot, fake, engine):
    user = 2606
    assert say(fake, "/subscribe", user)[0]["text"] == engine.text("subscribe_done", "en")
    assert db_rows(bot, "select chat_id from subscriptions") == [(user,)]
    assert say(fake, "/unsubscribe", user)[0]["text"] == engine.text("unsubscribe_done", "en")
    assert db_rows(bot, "select chat_id from subscriptions") == []


def test_forget_deletes_every_row_of_the_user(bot, fake, engine):
    user = 2607
    say(fake, "/start src-leaflet", user)
    say(fake, "is a study offer in Russia safe?", user)
    say(fake, "/subscribe", user)
    ref = user_ref(bot, user)
    assert db_rows(bot, "select count(*) from users where ref = ?", (ref,)) == [(1,)]
    [reply] = say(fake, "/forget", user)
    assert reply["text"].startswith(engine.text("forget_done", "en", items="").split(":")[0])
    tables = [r[0] for r in db_rows(bot, "select name from sqlite_master where type = 'table'")]
    for table in tables:
        columns = [r[1] for r in db_rows(bot, f"pragma table_info([{table}])")]
        if "ref" in columns:
            assert db_rows(bot, f"select count(*) from [{table}] where ref = ?", (ref,)) == [(0,)], table
    [again] = say(fake, "/forget", user)
    assert again["text"] == engine.text("forget_nothing", "en")


# -- buttons --------------------------------------------------------------------------------------------

def test_topic_buttons_and_related_topics(bot, fake, engine):
    user = 2701
    topic = engine.topic_ids[0]
    [reply] = press(fake, f"v1|t|{topic}", user)
    assert reply["text"] == engine.topic_reply(topic, "en").text
    related = [b for b in buttons(reply) if b.startswith("v1|t|")]
    if related:
        follow = related[0].split("|")[2]
        assert press(fake, related[0], user)[0]["text"] == engine.topic_reply(follow, "en").text
    answered = [p for n, p in fake.calls if n == "answerCallbackQuery"]
    assert answered and all(not p.get("text") for p in answered[-2:])
    assert_no_rejections(fake)


def test_every_welcome_button_pressed_back(bot, fake, engine):
    """The four buttons under /start (ask, check, hotlines, language) and the warning signs, as Telegram
    sends them back: each answers, and the spinner stops without a notice."""
    user = 2710
    [welcome] = say(fake, "/start", user)
    pressed = set(buttons(welcome))
    assert {"v1|a", "v1|c", "v1|h", "v1|l"} <= pressed
    assert press(fake, "v1|a", user)[0]["text"] == engine.text("ask_prompt", "en")
    assert press(fake, "v1|c", user)[0]["text"] == engine.text("check_prompt", "en")
    hotline = press(fake, "v1|h", user)[0]["text"]
    assert hotline in (engine.text("hotline_ask_country", "en"), engine.hotline_reply("en").text)
    assert press(fake, "v1|l", user)[0]["text"] == engine.language_reply("en").text
    signs = engine.signs_reply("en")
    replies = press(fake, "v1|s", user, n=parts(signs.text))
    assert "\n".join(to_plain(r["text"]) for r in replies).split() == to_plain(signs.text).split()
    answered = fake.calls_of("answerCallbackQuery")[-5:]
    assert len(answered) == 5 and all(not a.get("text") for a in answered)
    assert_no_rejections(fake)


def test_language_button_changes_the_language(bot, fake, engine):
    user = 2702
    assert press(fake, "v1|L|fr", user)[0]["text"] == engine.text("language_set", "fr")
    assert say(fake, "/help", user)[0]["text"] == engine.text("help", "fr")
    assert db_rows(bot, "select lang from users where ref = ?", (user_ref(bot, user),)) == [("fr",)]


def test_hotline_asks_the_country_once_and_remembers_it(bot, fake, engine):
    user = 2703
    countries = engine.countries()
    [first] = say(fake, "/hotline", user)
    if not countries:
        assert first["text"] == engine.hotline_reply("en").text
        return
    assert first["text"] == engine.text("hotline_ask_country", "en")
    assert set(buttons(first)) == {f"v1|C|{c}" for c in countries} | {"v1|C|ZZ"}
    country = countries[0]
    assert press(fake, f"v1|C|{country}", user)[0]["text"] == engine.hotline_reply("en", country).text
    assert db_rows(bot, "select country from users where ref = ?", (user_ref(bot, user),)) == [(country,)]
    assert say(fake, "/hotline", user)[0]["text"] == engine.hotline_reply("en", country).text
    # "Other country" gives the contacts for everyone
    assert press(fake, "v1|C|ZZ", 2704)[0]["text"] == engine.hotline_reply("en", "ZZ").text
    assert_no_rejections(fake)


def test_none_of_these_queues_the_question(bot, fake, engine):
    pool = [q for lang in LANGUAGES for q in questions(lang)]
    pool += ["money", "visa russia", "help me please", "contract", "passport", "army", "university"]
    text = next((q for q in pool if engine.respond(q, "en").kind == "choices"), None)
    if text is None:
        pytest.skip("no question in the labelled sets gives a 'did you mean' reply with this content")
    user = 2705
    [choices] = say(fake, text, user)
    assert choices["text"] == engine.respond(text, "en").text
    assert "v1|n" in buttons(choices)
    before = db_rows(bot, "select count(*) from unanswered")[0][0]
    [reply] = press(fake, "v1|n", user)
    lang = engine.respond(text, "en").lang  # the question's own language, whatever it is
    assert to_plain(engine.text("none_of_these", lang)).strip().split("\n")[0] in to_plain(reply["text"])
    assert db_rows(bot, "select count(*) from unanswered")[0][0] == before + 1


def test_forged_and_stale_callbacks_get_the_stale_answer(bot, fake, engine):
    user = 2706
    stale = engine.text("stale_button", "en")
    for data in ["v1|t|no-such-topic", "garbage", "v0|t|study-offer", "v1|L|xx", "v1|C|QQ", "v1|t|../../etc",
                 "v1|" + "x" * 80, "", "v1|t|study-offer|extra"]:
        before = len(fake.calls_of("answerCallbackQuery"))
        fake.add_callback(data, user_id=user)
        assert fake.wait_until(lambda b=before: len(fake.calls_of("answerCallbackQuery")) > b)
        assert fake.calls_of("answerCallbackQuery")[-1].get("text") == stale[:200]
    assert fake.sent(user) == []
    assert bot.alive()
    assert_no_rejections(fake)


# -- inline mode, groups, media ---------------------------------------------------------------------------

def test_inline_query_offers_warning_cards(bot, fake, engine):
    for query in ["scholarship", "study in russia", "", "<b>x</b> & 😀" * 20]:
        before = len(fake.calls_of("answerInlineQuery"))
        fake.add_inline_query(query, user_id=2801)
        assert fake.wait_until(lambda b=before: len(fake.calls_of("answerInlineQuery")) > b)
        results = fake.calls_of("answerInlineQuery")[-1]["results"]
        assert 1 <= len(results) <= 50
        cards = engine.inline_cards(query[:256], "en")
        assert [r["id"] for r in results] == [inline_id(c.id) for c in cards][:50]  # the engine's cards, in order
        assert [r["title"] for r in results] == [c.title[:256] or "…" for c in cards][:50]
        for result in results:
            assert len(result["id"].encode()) <= 64
            assert result["input_message_content"]["parse_mode"] == "HTML"
    assert_no_rejections(fake)


def test_group_is_silent_on_plain_text(bot, fake):
    group = -5001
    update = fake.add_message("does anyone know about study in Russia?", user_id=2901, chat_id=group,
                              chat_type="supergroup")
    settle(fake, update)
    assert fake.sent(group) == []


def test_group_answers_check_as_a_reply_mentions_and_commands(bot, fake, engine):
    group = -5002
    offer = "Job in Russia, salary 3000$, free ticket, sign a contract in Russian on arrival"
    [reply] = say(fake, "/check", 2902, chat_id=group, chat_type="supergroup", reply_to_text=offer)
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text
    assert reply["reply_parameters"]["message_id"]  # answers the /check message in the group
    [reply] = say(fake, "@scamcheck_test_bot is a study offer in Russia safe?", 2903, chat_id=group,
                  chat_type="group")
    assert reply["text"] == engine.respond("is a study offer in Russia safe?", "en").text
    assert say(fake, "/help@scamcheck_test_bot", 2904, chat_id=group, chat_type="supergroup")[0]["text"] \
        == engine.text("help", "en")
    update = fake.add_message("/help@some_other_bot", user_id=2905, chat_id=group, chat_type="supergroup")
    count = len(fake.sent(group))
    settle(fake, update)
    assert len(fake.sent(group)) == count
    assert_no_rejections(fake)


def test_group_is_silent_on_media_and_answers_a_check_of_a_photo_caption(bot, fake, engine):
    group = -5003
    photo = {"photo": [{"file_id": "p9", "file_unique_id": "u9", "width": 90, "height": 90}]}
    update = fake.add_message(None, user_id=2906, chat_id=group, chat_type="supergroup", extra=photo)
    settle(fake, update)
    assert fake.sent(group) == []
    offer = "Free ticket and visa, salary 2500$ a month, sign the contract in Russian when you arrive"
    [reply] = say(fake, "/check", 2907, chat_id=group, chat_type="supergroup",
                  extra={"reply_to_message": {"message_id": 1, "date": 1, "chat": {"id": group, "type": "supergroup",
                                                                                   "title": "G"},
                                              "from": {"id": 2908, "is_bot": False, "first_name": "R"},
                                              **photo, "caption": offer}})
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text


@pytest.mark.parametrize("media", [
    {"photo": [{"file_id": "p1", "file_unique_id": "u1", "width": 90, "height": 90}]},
    {"voice": {"file_id": "v1", "file_unique_id": "u2", "duration": 3}},
    {"sticker": {"file_id": "s1", "file_unique_id": "u3", "width": 512, "height": 512, "is_animated": False,
                 "is_video": False, "type": "regular"}},
    {"document": {"file_id": "d1", "file_unique_id": "u4", "file_name": "contract.pdf"}},
    {"location": {"latitude": 55.75, "longitude": 37.61}},
    {"video": {"file_id": "vi1", "file_unique_id": "u5", "width": 1, "height": 1, "duration": 1}},
], ids=["photo", "voice", "sticker", "document", "location", "video"])
def test_media_gets_media_unsupported(bot, fake, engine, media):
    [reply] = say(fake, None, 3001 + len(json.dumps(media)) % 500, extra=media, language_code="fr")
    assert reply["text"] == engine.text("media_unsupported", "fr")


# -- hostile or unusual input -------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["question", "check", "forwarded"])
def test_html_looking_text_is_escaped(bot, fake, engine, how):
    text = "<b>hi</b> & <script>alert(1)</script> &amp; &nbsp; <i>salary 3000$ a month</i> <a href='x'>free ticket"
    user = 3101 + ("question", "check", "forwarded").index(how)
    [reply] = say(fake, f"/check {text}" if how == "check" else text, user, forwarded=how == "forwarded")
    assert reply["text"] == engine.respond(text, "en", forwarded=how != "question").text
    assert telegram_html_problem(reply["text"]) is None  # also: the server accepted it (no rejection below)
    assert "<script>" not in reply["text"] and "<a href='x'>" not in reply["text"]
    assert_no_rejections(fake)


@pytest.mark.parametrize("size", [4096, 9000])
def test_very_long_messages(bot, fake, engine, size):
    base = "Contract in Russian, salary 3000$, we keep your passport. <b>&</b> 😀 "
    text = (base * (size // len(base) + 1))[:size]
    expected = engine.respond(text, "en")
    replies = say(fake, text, 3200 + size % 97, n=parts(expected.text))
    assert "\n".join(to_plain(r["text"]) for r in replies).split() == to_plain(expected.text).split()
    for reply in replies:
        assert utf16_len(to_plain(reply["text"])) <= 4096
    assert_no_rejections(fake)


def test_a_reply_over_4096_characters_is_split_at_paragraphs(bot, fake, engine):
    """Some replies are longer than Telegram allows (the warning signs in French, with this content): sent as
    several messages, cut between paragraphs (in a list: between items), each valid HTML, the buttons under
    the last one."""
    long_ones = [lang for lang in LANGUAGES if utf16_len(engine.signs_reply(lang).text) > 4096]
    if not long_ones:
        pytest.skip("no reply of this content is over 4096 characters (splitting is unit-tested)")
    lang = long_ones[0]
    signs = engine.signs_reply(lang)
    lines = [line.strip() for line in to_plain(signs.text).splitlines() if line.strip()]
    replies = say(fake, "/signs", 3250, language_code=lang, n=parts(signs.text))
    assert len(replies) >= 2
    for reply in replies:
        assert utf16_len(reply["text"]) <= 4096 and telegram_html_problem(reply["text"]) is None
        # never cut inside a line: every message begins and ends with a whole line of the reply
        mine = [line.strip() for line in to_plain(reply["text"]).splitlines() if line.strip()]
        assert mine[0] in lines and mine[-1] in lines
    assert [bool(buttons(r)) for r in replies] == [False] * (len(replies) - 1) + [True]
    assert "\n".join(to_plain(r["text"]) for r in replies).split() == to_plain(signs.text).split()
    assert_no_rejections(fake)


# -- load and failures ------------------------------------------------------------------------------------

def test_a_flooding_user_slows_only_themselves(bot, fake, engine):
    flooder, other = 3301, 3302
    warning = engine.text("flood_slow_down", "en")
    for i in range(200):
        fake.add_message(f"flood message number {i}", user_id=flooder)
    started = time.monotonic()
    [reply] = say(fake, "/help", other, timeout=10)
    # Queued behind 200 updates, the other person still gets an answer in seconds (a minute's flood
    # handled in order would take far longer).
    assert time.monotonic() - started < 5.0
    assert reply["text"] == engine.text("help", "en")
    assert fake.wait_until(lambda: fake.confirmed_offset > 0 and fake.pending_updates() == 0)
    # The flooder: the burst, one warning, then silence. Wait for the warning, then until nothing more
    # arrives for a while (replies still in flight on a loaded machine), rather than a fixed sleep.
    assert fake.wait_until(lambda: warning in [m["text"] for m in fake.sent(flooder)], 20)
    quiet_since, seen = time.monotonic(), len(fake.sent(flooder))
    while time.monotonic() - quiet_since < 1.5:
        time.sleep(0.1)
        if len(fake.sent(flooder)) != seen:
            quiet_since, seen = time.monotonic(), len(fake.sent(flooder))
    to_flooder = [m["text"] for m in fake.sent(flooder)]
    assert to_flooder.count(warning) == 1
    # the burst (12), the warning, and what the bucket refilled (0.5 a second) while the flood was handled
    assert len(to_flooder) <= 13 + int(0.5 * (time.monotonic() - started)) + 1
    assert bot.alive()


def test_429_on_send_message_is_retried(bot, fake, engine):
    fake.inject("sendMessage", "429", times=1, retry_after=1)
    [reply] = say(fake, "/help", 3401, timeout=20)
    assert reply["text"] == engine.text("help", "en")


def test_502_and_dropped_connections_are_retried(bot, fake, engine):
    fake.inject("sendMessage", "502", times=2)
    assert say(fake, "/signs", 3402, timeout=20)[0]["text"] == engine.signs_reply("en").text
    fake.inject("sendMessage", "drop", times=1)
    assert say(fake, "/help", 3403, timeout=20)[0]["text"] == engine.text("help", "en")


def test_a_user_who_blocked_the_bot_is_unsubscribed_and_the_bot_goes_on(bot, fake, engine):
    blocker = 3501
    say(fake, "/subscribe", blocker)
    fake.blocked.add(blocker)
    fake.add_message("hello again", user_id=blocker)
    assert fake.wait_until(lambda: any(m == "sendMessage" and p.get("chat_id") == blocker
                                       for m, p, _ in fake.rejected))
    assert fake.wait_until(lambda: db_rows(bot, "select count(*) from subscriptions where chat_id = ?",
                                           (blocker,)) == [(0,)])
    assert say(fake, "/help", 3502)[0]["text"] == engine.text("help", "en")
    assert bot.alive()


def test_getupdates_failures_are_survived_and_logged_as_one_line_warnings(bot, fake, engine):
    """A 502 and a dropped connection on getUpdates: the next poll fetches the updates, nothing is lost, and
    the log says so in one WARNING line each: no ERROR, no traceback (nothing went wrong in our code)."""
    offset = len(bot.log())
    fake.inject("getUpdates", "502", times=1)
    fake.inject("getUpdates", "drop", times=1)
    # The poll in progress was not faulted; it fetches this one. The faults hit the next two polls, so the
    # second message can only be fetched after both.
    assert say(fake, "/help", 3410, timeout=30)[0]["text"] == engine.text("help", "en")
    assert say(fake, "/signs", 3411, timeout=30, n=parts(engine.signs_reply("en").text))
    new = log_lines_since(bot, offset, lambda text: text.count(" WARNING ") >= 2)
    assert new.count(" WARNING ") >= 2  # each failure is reported (operators see an outage)...
    assert "Traceback" not in new  # ...in one line, not as an error of ours
    assert not [line for line in new.splitlines() if " ERROR " in line or " CRITICAL " in line]
    # one line per record: every line of the new log starts with a timestamp
    assert all(re.match(r"\d{4}-\d\d-\d\d ", line) for line in new.splitlines() if line.strip())
    assert fake.token.split(":", 1)[1] not in new
    assert bot.alive()


# -- admin ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["/stats", "/broadcast everyone: send me your passport", "/reload"])
def test_admin_commands_do_not_exist_for_others(bot, fake, engine, command):
    user = 3601
    total = len(fake.sent())
    [reply] = say(fake, command, user)
    assert reply["text"] == engine.text("unknown_command", "en")
    assert len(fake.sent()) == total + 1  # nothing to anyone else


def test_admin_stats_reload_and_broadcast(bot, fake, engine):
    [stats] = say(fake, "/stats", ADMIN_ID)
    assert stats["text"].strip()
    [reload] = say(fake, "/reload", ADMIN_ID, timeout=60)
    assert reload["text"].startswith("Reloaded") or "Not reloaded" in reload["text"]
    subscriber = 3701
    say(fake, "/subscribe", subscriber)
    edits = len(fake.calls_of("editMessageText"))
    [progress] = say(fake, "/broadcast New scam: fake university in Kazan", ADMIN_ID)
    if "unavailable" in progress["text"]:
        pytest.skip("broadcasting is not available in this version")
    assert fake.wait_until(lambda: any("fake university" in m["text"] for m in fake.sent(subscriber)))
    assert fake.wait_until(lambda: len(fake.calls_of("editMessageText")) > edits)
    assert_no_rejections(fake)


def test_a_broadcast_command_handled_again_sends_no_second_alert(bot, fake):
    """After a crash Telegram sends an unconfirmed update again (at-least-once polling): the same /broadcast
    message, handled twice, must not alert every subscriber twice."""
    subscriber = 3711
    say(fake, "/subscribe", subscriber)
    text = "/broadcast Warning: a fake agency in Basra promises jobs in Kazan"
    same_message = {"message_id": 990_001}
    [progress] = say(fake, text, ADMIN_ID, extra=same_message)
    assert progress["text"].startswith("Alert ")
    assert fake.wait_until(lambda: any("agency in Basra" in m["text"] for m in fake.sent(subscriber)))
    [again] = say(fake, text, ADMIN_ID, extra=same_message)
    assert "already made" in again["text"] and "not sent twice" in again["text"]
    time.sleep(1.0)
    assert sum("agency in Basra" in m["text"] for m in fake.sent(subscriber)) == 1
    # A new message with the same words is a new alert (an admin may send a warning again on purpose).
    [second] = say(fake, text, ADMIN_ID)
    assert second["text"].startswith("Alert ") and second["text"] != progress["text"]
    assert fake.wait_until(lambda: sum("agency in Basra" in m["text"] for m in fake.sent(subscriber)) == 2)


# -- last: what the process logged -------------------------------------------------------------------------

def test_zz_logs_contain_neither_the_token_nor_user_text(bot, fake):
    log = bot.log()
    assert fake.token not in log
    assert fake.token.split(":", 1)[1] not in log
    for text in SENT_TEXTS:
        if len(text) >= 12:
            assert text not in log, f"user text in the log: {text[:40]!r}"
    assert "ERROR bot.telegram" not in log  # no handler failed along the way
    assert "Traceback" not in log  # transient Bot API failures are one-line warnings, not tracebacks
    assert bot.alive()
