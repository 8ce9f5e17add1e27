"""Unit tests of the Telegram adapter's pure parts: callback codec, HTML splitting, flood control, retries,
log redaction, language mapping, the command menu."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re

import pytest
from fakebotapi import parse_telegram_html, utf16_len
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.markup import escape
from bot.telegram import callbacks, send
from bot.telegram.admin import problems_text
from bot.telegram.app import RedactingFormatter, command_menu, setup_logging
from bot.telegram.flood import FloodControl, Verdict
from bot.telegram.handlers import flag, inline_id, telegram_lang
from bot.telegram.send import Blocked, split_html, with_retries

# -- callback data -------------------------------------------------------------------------------------

ACTIONS = ["hotline", "check", "signs", "ask", "language", "none", "topic:study-offer", "topic:a", "lang:ckb",
           "lang:ar", "country:IQ", "country:NG"]


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_survives_the_round_trip(action):
    data = callbacks.encode(action)
    assert data is not None and data.startswith("v1|")
    assert callbacks.decode(data) == action


def test_other_country_is_a_code_too():
    assert callbacks.decode(callbacks.encode("country:other")) == f"country:{callbacks.OTHER_COUNTRY}"


@pytest.mark.parametrize("action", ["topic:", "topic:Bad Id", "topic:" + "x" * 70, "lang:english", "country:iq",
                                    "country:IRQ", "unknown", "topic:a|b", ""])
def test_actions_that_cannot_be_buttons_encode_to_none(action):
    assert callbacks.encode(action) is None


@given(st.one_of(st.text(max_size=200), st.binary(max_size=80), st.integers(), st.none(),
                 st.builds(lambda a, b: f"v1|{a}|{b}", st.text(max_size=5), st.text(max_size=70))))
def test_decode_never_raises_and_returns_only_known_actions(data):
    action = callbacks.decode(data)
    assert action is None or callbacks.encode(action) == data


@given(st.text(max_size=120))
def test_encode_is_within_64_bytes(action):
    for candidate in (action, f"topic:{action}", f"lang:{action}", f"country:{action}"):
        data = callbacks.encode(candidate)
        assert data is None or len(data.encode("utf-8")) <= 64


# -- splitting ------------------------------------------------------------------------------------------

PIECES = [*"abc xyz<>&\"'\n", "\n\n", "é", "ع", "ж", "😀", "👨\u200d👩\u200d👧", "word "]
WORDS = st.lists(st.sampled_from(PIECES), max_size=40).map("".join).map(escape)
TAGS = ["b", "i", "u", "s", "code", "blockquote", "pre", 'a href="https://example.org/?a=1&amp;b=2"',
        'span class="tg-spoiler"']


def _wrap(tag: str, inner: list[str]) -> str:
    name = tag.split()[0]
    return f"<{tag}>{''.join(inner)}</{name}>"


HTML = st.recursive(WORDS, lambda inner: st.builds(_wrap, st.sampled_from(TAGS), st.lists(inner, max_size=4)),
                    max_leaves=30)
DOCUMENT = st.lists(HTML, min_size=1, max_size=40).map("\n\n".join)


def _plain_words(html_text: str) -> str:
    plain, error = parse_telegram_html(html_text)
    assert error is None, error
    return re.sub(r"\s+", "", plain)


@settings(max_examples=150, deadline=None)
@given(DOCUMENT, st.integers(min_value=40, max_value=400))
def test_parts_fit_are_valid_and_keep_the_content(document, limit):
    parts = split_html(document, limit)
    for part in parts:
        assert utf16_len(part) <= limit
        assert parse_telegram_html(part)[1] is None, part
        assert parse_telegram_html(part)[0].strip()  # never an empty message
    assert "".join(_plain_words(p) for p in parts) == _plain_words(document)


@settings(max_examples=20, deadline=None)
@given(st.lists(HTML, min_size=30, max_size=60).map("\n\n".join))
def test_real_limit(document):
    document = document * 8
    parts = split_html(document)
    assert all(utf16_len(p) <= 4096 and parse_telegram_html(p)[1] is None for p in parts)
    assert "".join(_plain_words(p) for p in parts) == _plain_words(document)


def test_split_prefers_paragraphs_and_reopens_tags():
    paragraphs = [f"<b>Title {i}</b>\n" + "word " * 150 for i in range(20)]
    parts = split_html("\n\n".join(paragraphs))
    assert len(parts) > 1
    assert all(p.startswith("<b>Title") for p in parts)  # every part starts at a paragraph
    long_bold = "<b>" + "x" * 5000 + "</b>"
    parts = split_html(long_bold)
    assert [p[:3] for p in parts] == ["<b>", "<b>"] and all(p.endswith("</b>") for p in parts)


def test_short_text_is_one_part_and_empty_text_none():
    assert split_html("<b>hi</b>") == ["<b>hi</b>"]
    assert split_html("  \n ") == []
    assert split_html("<b></b>") == []


# -- flood control ----------------------------------------------------------------------------------------

class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_warns_once_then_drops_until_refilled():
    clock = Clock()
    flood = FloodControl(burst=5, rate=1.0, clock=clock)
    verdicts = [flood.check("flooder") for _ in range(50)]
    assert verdicts[:5] == [Verdict.OK] * 5
    assert verdicts[5] is Verdict.WARN
    assert set(verdicts[6:]) == {Verdict.DROP}
    assert flood.check("someone-else") is Verdict.OK  # others are unaffected
    clock.now += 1.0
    assert flood.check("flooder") is Verdict.OK  # one token back after a second
    assert flood.check("flooder") is Verdict.DROP
    clock.now += 10
    assert [flood.check("flooder") for _ in range(5)] == [Verdict.OK] * 5
    assert flood.check("flooder") is Verdict.WARN  # slowed down fully, so warned again on a new flood


def test_idle_buckets_are_forgotten():
    clock = Clock()
    flood = FloodControl(clock=clock)
    for n in range(100):
        flood.check(f"user{n}")
    clock.now += 3600
    flood.check("new")
    assert len(flood) == 1


# -- retries ------------------------------------------------------------------------------------------------

@pytest.fixture
def no_sleep(monkeypatch):
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    monkeypatch.setattr(send.asyncio, "sleep", fake_sleep)
    return slept


def _flaky(*errors: Exception):
    calls = {"n": 0}

    async def call():
        calls["n"] += 1
        if calls["n"] <= len(errors):
            raise errors[calls["n"] - 1]
        return "ok"

    return call, calls


def test_429_waits_retry_after_then_succeeds(no_sleep):
    call, calls = _flaky(RetryAfter(dt.timedelta(seconds=3)))
    assert asyncio.run(with_retries(call, "t")) == "ok"
    assert calls["n"] == 2 and no_sleep == [3.0]


def test_network_errors_back_off_then_give_up(no_sleep):
    call, calls = _flaky(TimedOut(), NetworkError("502 Bad Gateway"))
    assert asyncio.run(with_retries(call, "t")) == "ok"
    assert no_sleep[0] < no_sleep[1]
    call, calls = _flaky(*[NetworkError("down")] * 10)
    with pytest.raises(NetworkError):
        asyncio.run(with_retries(call, "t"))
    assert calls["n"] == send.MAX_NETWORK_RETRIES + 1


def test_forbidden_is_blocked_and_bad_request_is_not_retried(no_sleep):
    call, _ = _flaky(Forbidden("Forbidden: bot was blocked by the user"))
    with pytest.raises(Blocked):
        asyncio.run(with_retries(call, "t"))
    call, calls = _flaky(BadRequest("Bad Request: chat not found"))
    with pytest.raises(BadRequest):
        asyncio.run(with_retries(call, "t"))
    assert calls["n"] == 1


# -- logging, languages, menu, small helpers ------------------------------------------------------------------

def test_the_token_never_reaches_a_log_line():
    token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"
    formatter = RedactingFormatter(token, "%(message)s")
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: POST %s", (
        f"https://api.telegram.org/bot{token}/getUpdates",), None)
    assert token not in formatter.format(record)
    try:
        raise ValueError(f"boom at /bot{token}/sendMessage")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert token not in formatter.format(record)
    other = "987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_y"  # any token-shaped string, e.g. an old one
    assert other not in RedactingFormatter(None, "%(message)s").format(
        logging.LogRecord("x", logging.INFO, __file__, 1, other, (), None))


def test_setup_logging_quiets_httpx():
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("httpx").level)
    try:
        setup_logging("1:abc")
        assert logging.getLogger("httpx").getEffectiveLevel() >= logging.WARNING
        assert all(isinstance(h.formatter, RedactingFormatter) for h in root.handlers)
    finally:
        root.handlers[:], _, _ = saved
        root.setLevel(saved[1])
        logging.getLogger("httpx").setLevel(saved[2])


@pytest.mark.parametrize(("code", "lang"), [("ar", "ar"), ("ar-IQ", "ar"), ("fr-FR", "fr"), ("ru", "ru"),
                                            ("ckb", "ckb"), ("ku", "ckb"), ("en_GB", "en"), ("de", None),
                                            (None, None), ("", None)])
def test_telegram_language_codes(code, lang):
    assert telegram_lang(code) == lang


def test_command_menu_is_valid_for_telegram(tmp_path):
    from bot.config import Config
    from bot.engine import Engine

    engine = Engine.load(Config(data_dir=tmp_path))
    for lang in ("ar", "en", "fr", "ru"):
        menu = command_menu(engine, lang)
        assert [c.command for c in menu][:3] == ["start", "help", "check"]
        assert all(1 <= len(c.description) <= 256 and "<" not in c.description for c in menu)


def test_problems_are_escaped_and_truncated():
    text = problems_text("Not reloaded", [f"faq/topics/x.yaml: <b>entry {n}</b> & more" * 5 for n in range(40)])
    assert parse_telegram_html(text)[1] is None
    assert len(text) <= 3600
    assert "more" in text.splitlines()[-1]


def test_inline_ids_and_flags():
    assert inline_id("study-offer:ar") == "study-offer:ar"
    long_id = inline_id("x" * 100)
    assert len(long_id.encode()) <= 64 and long_id != inline_id("x" * 101)
    assert flag("IQ") == "🇮🇶"
