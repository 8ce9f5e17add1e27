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
from bot.markup import to_plain
from bot.models import LANGUAGES

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
    lines = (ROOT / "tests" / "data" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
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


def test_command_menu_is_set_for_every_telegram_language(bot, fake):
    assert fake.wait_until(lambda: len(fake.commands) >= 5)
    assert {lang for _, lang in fake.commands} == {"", "ar", "en", "fr", "ru"}
    names = {c["command"] for c in fake.commands[("default", "")]}
    assert {"start", "help", "check", "hotline", "privacy", "forget"} <= names
    assert "stats" not in names  # admin commands stay out of the menu


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
    assert_no_rejections(fake)


def test_arabic_in_latin_letters_is_answered_in_arabic(bot, fake, engine):
    latin = [q for q in questions("ar") if re.fullmatch(r"[\x00-\x7f]+", q)]
    assert latin, "the labelled set has no Arabic typed in Latin letters"
    text = next((q for q in latin if engine.respond(q, "en").lang == "ar"), latin[0])
    expected = engine.respond(text, "en")
    assert expected.lang == "ar"
    [reply] = say(fake, text, 2300, language_code="en")
    assert reply["text"] == expected.text


def test_deep_link_sets_language_and_source(bot, fake, engine):
    [reply] = say(fake, "/start lang-ar-src-basra_uni", 2401, language_code="en")
    assert reply["text"] == engine.welcome_reply("ar").text
    ref = user_ref(bot, 2401)
    assert fake.wait_until(lambda: db_rows(bot, "select lang, source from users where ref = ?", (ref,))
                           == [("ar", "basra_uni")])
    [reply] = say(fake, "/start src-poster_7", 2402, language_code="fr")
    assert reply["text"] == engine.welcome_reply("fr").text
    assert db_rows(bot, "select source from users where ref = ?", (user_ref(bot, 2402),)) == [("poster_7",)]


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


def test_unknown_command(bot, fake, engine):
    assert say(fake, "/nonsense", 2602)[0]["text"] == engine.text("unknown_command", "en")


def test_check_with_text_reply_and_without(bot, fake, engine):
    user = 2603
    offer = "Work in Russia as a warehouse helper, salary 3000 dollars, contract in Russian, we keep your passport"
    [reply] = say(fake, f"/check {offer}", user)
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text
    [reply] = say(fake, "/check", user, reply_to_text=offer)
    assert reply["text"] == engine.respond(offer, "en", forwarded=True).text
    [reply] = say(fake, "/check", user)
    assert reply["text"] == engine.text("check_needs_text", "en")
    assert_no_rejections(fake)


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
    ref = user_ref(bot, user)
    assert db_rows(bot, "select subscribed, chat_id from users where ref = ?", (ref,)) == [(1, user)]
    assert say(fake, "/unsubscribe", user)[0]["text"] == engine.text("unsubscribe_done", "en")
    assert db_rows(bot, "select subscribed, chat_id from users where ref = ?", (ref,)) == [(0, None)]


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

def test_inline_query_offers_warning_cards(bot, fake):
    for query in ["study in russia", "", "<b>x</b> & 😀" * 20]:
        before = len(fake.calls_of("answerInlineQuery"))
        fake.add_inline_query(query, user_id=2801)
        assert fake.wait_until(lambda b=before: len(fake.calls_of("answerInlineQuery")) > b)
        results = fake.calls_of("answerInlineQuery")[-1]["results"]
        assert 1 <= len(results) <= 50
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

def test_html_looking_text_is_escaped(bot, fake):
    [reply] = say(fake, "<b>hi</b> & <script>alert(1)</script> &amp; &nbsp;", 3101)
    assert telegram_html_problem(reply["text"]) is None
    assert "<script>" not in reply["text"]
    assert_no_rejections(fake)


@pytest.mark.parametrize("size", [4096, 9000])
def test_very_long_messages(bot, fake, size):
    base = "Contract in Russian, salary 3000$, we keep your passport. <b>&</b> 😀 "
    text = (base * (size // len(base) + 1))[:size]
    replies = say(fake, text, 3200 + size % 97)
    for reply in replies:
        assert utf16_len(to_plain(reply["text"])) <= 4096
    assert_no_rejections(fake)


# -- load and failures ------------------------------------------------------------------------------------

def test_a_flooding_user_slows_only_themselves(bot, fake, engine):
    flooder, other = 3301, 3302
    warning = engine.text("flood_slow_down", "en")
    for i in range(200):
        fake.add_message(f"flood message number {i}", user_id=flooder)
    started = time.monotonic()
    [reply] = say(fake, "/help", other, timeout=10)
    assert time.monotonic() - started < 5.0
    assert reply["text"] == engine.text("help", "en")
    assert fake.wait_until(lambda: fake.confirmed_offset > 0 and fake.pending_updates() == 0)
    time.sleep(1.0)
    to_flooder = [m["text"] for m in fake.sent(flooder)]
    assert to_flooder.count(warning) == 1
    assert len(to_flooder) <= 30  # the burst, the warning, and what the bucket refilled meanwhile
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
    update = fake.add_message("hello again", user_id=blocker)
    settle(fake, update, 1.0)
    assert any(m == "sendMessage" and p.get("chat_id") == blocker for m, p, _ in fake.rejected)
    assert db_rows(bot, "select subscribed from users where ref = ?", (user_ref(bot, blocker),)) == [(0,)]
    assert say(fake, "/help", 3502)[0]["text"] == engine.text("help", "en")
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


# -- last: what the process logged -------------------------------------------------------------------------

def test_zz_logs_contain_neither_the_token_nor_user_text(bot, fake):
    log = bot.log()
    assert fake.token not in log
    assert fake.token.split(":", 1)[1] not in log
    for text in SENT_TEXTS:
        if len(text) >= 12:
            assert text not in log, f"user text in the log: {text[:40]!r}"
    assert "ERROR bot.telegram" not in log  # no handler failed along the way
    assert bot.alive()
