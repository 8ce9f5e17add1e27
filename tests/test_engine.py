"""The engine on the real content: the decisions people depend on."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Config
from bot.engine import Engine
from bot.text.markup import html_problem, to_plain


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return Engine.load(Config(data_dir=tmp_path_factory.mktemp("data")))


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("they offered me a scholarship in Moscow with a salary, is it safe?", "study-offer"),
        ("3ndi 3ard shughul b rusia", "job-offer"),
        ("on m'a pris mon passeport à l'arrivée", "passport-taken"),
        ("мне предлагают контракт на русском, я не понимаю что там написано", "contract-in-russian"),
    ],
)
def test_answers_typical_questions(engine, text, topic):
    result = engine.match(text)
    assert result.topics and result.topics[0].id == topic


@pytest.mark.parametrize(
    "text",
    [
        "what's the weather in moscow tomorrow",
        "how to cook borscht",
        "who won the football match yesterday",
        "شلون الجو بكرة",
        "как приготовить борщ",
        "quelle heure est-il",
    ],
)
def test_out_of_scope_is_never_answered_confidently(engine, text):
    assert not engine.match(text).answered


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "\x00\x01\x02", "\ud800\udfff", "?!...", "1234567"])
def test_empty_or_letterless_input_is_not_answered(engine, text):
    result = engine.match(text)
    assert not result.answered
    reply = engine.respond(text)
    assert reply.kind == "fallback" and html_problem(reply.text) is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_input_is_safe(engine, text):
    result = engine.match(text)
    assert len(result.topics) <= 3
    assert all(0 <= t.score <= 100 for t in result.topics)
    assert [t.score for t in result.topics] == sorted((t.score for t in result.topics), reverse=True)
    reply = engine.respond(text)
    assert html_problem(reply.text) is None


def test_100_kb_of_text_is_answered_quickly(engine):
    text = "контракт о прохождении военной службы " * 2700  # about 100 KB
    start = time.perf_counter()
    reply = engine.respond(text)
    assert time.perf_counter() - start < 2.0
    assert reply.kind == "check" and reply.risk == "high"


def test_urgent_situation_gets_the_urgent_path_first(engine):
    reply = engine.respond("I am in Russia and they say sign the military contract or go to jail, what do I do")
    assert reply.kind == "urgent"
    assert reply.text.startswith(engine.text("urgent_heading", "en"))


def test_pasted_offer_gets_the_checker_with_evidence(engine):
    offer = (
        "Army helper job in Russia, not as a soldier. Salary 3000$ per month, bonus $20,000 on signing. "
        "Russian passport after one year. Contact only on WhatsApp. Limited places, leave this week!"
    )
    reply = engine.respond(offer)
    assert reply.kind == "check" and reply.risk == "high"
    assert "helper-job-near-military" in reply.signs
    # Phone-sized (issue 15): one quote per sign in the first message, every quote behind "more".
    assert "«" in reply.text and "not as a soldier" in to_plain(reply.more)


def test_no_sign_found_never_says_safe(engine):
    reply = engine.check_reply(
        "Meeting at 10 tomorrow in the office to discuss the quarterly budget, bring your laptop."
    )
    assert reply.risk == "low"
    assert reply.text.startswith(engine.text("risk_low", "en"))
    assert "not mean it is safe" in to_plain(reply.text)


@pytest.mark.parametrize("lang", ["ar", "ckb", "en", "fr", "ru"])
def test_every_topic_reply_is_valid_and_phone_sized(engine, lang):
    for topic_id in engine.topic_ids:
        reply = engine.topic_reply(topic_id, lang)
        assert html_problem(reply.text) is None, topic_id
        assert len(to_plain(reply.text)) < 1600, topic_id
        assert reply.lang == lang


def test_reply_follows_the_language_of_the_message(engine):
    assert engine.respond("عرضوا علي منحة دراسية في روسيا مع راتب").lang == "ar"
    assert engine.respond("Ils m'ont proposé une bourse en Russie").lang == "fr"
    assert engine.respond("ئایا بورسی خوێندن لە ڕووسیا ڕاستە").lang == "ckb"
    assert engine.respond("стипендия в россии это правда").lang == "ru"


def test_unverified_contacts_are_shown_as_such(engine):
    text = engine.hotline_reply("en").text
    assert engine.text("contact_unverified", "en") in text or engine.text("contact_no_number", "en") in text
    # The Iraqi hotline has no published number: the bot must say so, not make one up.
    iraq = next(line for line in text.splitlines() if "Iraq" in line)
    assert engine.text("contact_no_number", "en") in iraq


@pytest.mark.parametrize(
    "text",
    ["salam", "hi", "merci", "спасибо", "cours de russe pour les enfants", "ruble exchange rate please",
     "student visa for france", "دروس خصوصية بالروسي"],
)
def test_greetings_and_near_scope_questions_get_no_confident_topic(engine, text):
    assert not engine.match(text).answered


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("у нас отобрали паспорта на стройке", "passport-taken"),  # inflected Russian
        ("بالجوازات مالتنا الوكيل ما يرجعها", "passport-taken"),  # Arabic clitics glued to the word
    ],
)
def test_inflected_questions_are_answered(engine, text, topic):
    result = engine.match(text)
    assert result.answered and result.topics[0].id == topic


def test_a_question_without_scope_words_is_still_offered_its_topic(engine):
    # "The company won't give our passports back" names nothing of our scope: not answered on a middling
    # score, but the right topic is still the first choice offered.
    result = engine.match("بالجوازات مالتنا الشركة ما ترجعها")
    assert result.topics and result.topics[0].id == "passport-taken"


def test_a_pasted_news_report_is_named_as_one_and_never_called_safe(engine):
    news = ("BBC: families of Nepali men who died fighting for Russia demand compensation, officials said. "
            "Agents had promised them jobs as helpers with a salary of $2,000 a month and a Russian passport.")
    reply = engine.check_reply(news)
    assert reply.risk == "low" and reply.signs == ()
    assert "news report" in reply.text and "Warning signs it describes" in reply.text
    assert "safe" not in reply.text.lower().replace("unsafe", "")
