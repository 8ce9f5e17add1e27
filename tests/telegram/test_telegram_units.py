"""Unit tests of the Telegram adapter's pure parts: callback codec, HTML splitting, flood control, retries,
log redaction, error logging, language mapping, the command menu; and of the fake Bot API server the
end-to-end tests rely on (that it refuses what Telegram refuses)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from fakebotapi import FakeBotAPI, parse_telegram_html, utf16_len
from hypothesis import given, settings
from hypothesis import strategies as st
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.conversation import flag
from bot.telegram import callbacks, send
from bot.telegram.admin import problems_text
from bot.telegram.app import RedactingFormatter, command_menu, setup_logging
from bot.telegram.flood import FloodControl, Verdict
from bot.telegram.handlers import (
    addressed_to_bot,
    command_argument,
    inline_id,
    is_transient_fetch_error,
    on_error,
    telegram_lang,
    transient_reason,
)
from bot.telegram.send import Blocked, split_html, with_retries
from bot.text.markup import escape

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


def retry_after(seconds: int) -> RetryAfter:
    """A 429 as PTB raises it (its constructor warns about a deprecation that is PTB's own business)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return RetryAfter(dt.timedelta(seconds=seconds))


def _flaky(*errors: Exception):
    calls = {"n": 0}

    async def call():
        calls["n"] += 1
        if calls["n"] <= len(errors):
            raise errors[calls["n"] - 1]
        return "ok"

    return call, calls


def test_429_waits_retry_after_then_succeeds(no_sleep):
    call, calls = _flaky(retry_after(3))
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


# -- on_error: transient polling failures are one-line warnings; real errors stay errors ------------------------

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"


def _on_error(update: object, error: BaseException, caplog) -> list[logging.LogRecord]:
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="bot.telegram.handlers"):
        asyncio.run(on_error(update, SimpleNamespace(error=error)))
    return [r for r in caplog.records if r.name == "bot.telegram.handlers"]


def _raised(error: BaseException) -> BaseException:
    """The error with a traceback, as PTB hands it over."""
    try:
        raise error
    except BaseException as caught:  # any error: that is what is being tested
        return caught


@pytest.mark.parametrize("make", [
    lambda: NetworkError("Bad Gateway"),
    lambda: NetworkError("httpx.RemoteProtocolError: Server disconnected without sending a response."),
    lambda: NetworkError(f"httpx.ConnectError: failed POST https://api.telegram.org/bot{TOKEN}/getUpdates"),
    lambda: NetworkError(f"odd library message quoting {TOKEN}"),
    TimedOut,
    lambda: retry_after(5),
], ids=["502", "dropped", "url-with-token", "bare-token", "timeout", "429"])
def test_a_transient_getupdates_failure_is_one_warning_line(caplog, make):
    error = make()
    [record] = _on_error(None, _raised(error), caplog)
    assert record.levelno == logging.WARNING
    assert record.exc_info is None and not record.exc_text  # no traceback
    line = record.getMessage()
    assert "\n" not in line and type(error).__name__ in line
    assert TOKEN not in line and TOKEN.split(":", 1)[1] not in line


@pytest.mark.parametrize("error", [ValueError("user wrote: my passport number is X123"),
                                   BadRequest("Bad Request: chat not found"), Conflict("Conflict: terminated")],
                         ids=["bug", "bad-request", "conflict"])
def test_real_errors_stay_errors_without_their_message(caplog, error):
    update = SimpleNamespace(update_id=1)  # an error while handling an update
    for where in (update, None):
        if where is None and isinstance(error, ValueError):
            continue
        [record] = _on_error(where, _raised(error), caplog)
        assert record.levelno == logging.ERROR
        assert type(error).__name__ in record.getMessage()
        assert "X123" not in record.getMessage()  # the message could quote what a person wrote


def test_a_network_error_inside_a_handler_is_an_error():
    """Attached to an update, even a NetworkError means a person got no answer: not 'transient'."""
    assert is_transient_fetch_error(None, NetworkError("Bad Gateway"))
    assert not is_transient_fetch_error(SimpleNamespace(update_id=1), NetworkError("Bad Gateway"))
    assert not is_transient_fetch_error(None, BadRequest("Bad Request: x"))


def test_transient_reasons_are_short_and_single_line():
    reason = transient_reason(NetworkError("line one\nline two " + "x" * 500))
    assert "\n" not in reason and len(reason) <= 120
    assert transient_reason(retry_after(7)) == "retry after 7s"


# -- the fake Bot API server refuses what Telegram refuses ---------------------------------------------------
# The end-to-end tests are only as strict as this server: if it accepted what Telegram refuses, a bot that
# sends a 5000-character message or broken HTML would pass them. These calls go over HTTP on 127.0.0.1.

@pytest.fixture(scope="module")
def server() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


def call(api: FakeBotAPI, method: str, token: str | None = None, **params: Any) -> tuple[int, dict]:
    body = json.dumps(params).encode("utf-8")
    request = urllib.request.Request(f"{api.base_url}/bot{token or api.token}/{method}", data=body,
                                     headers={"Content-Type": "application/json"}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_fake_server_text_limit_is_4096_utf16_units_after_parsing(server):
    assert call(server, "sendMessage", chat_id=1, text="x" * 4096)[0] == 200
    status, answer = call(server, "sendMessage", chat_id=1, text="x" * 4097)
    assert (status, answer["description"]) == (400, "Bad Request: message is too long")
    assert call(server, "sendMessage", chat_id=1, text="😀" * 2048)[0] == 200  # 2 units each
    assert call(server, "sendMessage", chat_id=1, text="😀" * 2049)[0] == 400
    # Telegram counts the text after parsing: markup does not count, entities count as one character
    assert call(server, "sendMessage", chat_id=1, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML")[0] == 200
    assert call(server, "sendMessage", chat_id=1, text="&amp;" * 4097, parse_mode="HTML")[0] == 400
    assert call(server, "sendMessage", chat_id=1, text=" \n ")[0] == 400  # empty


@pytest.mark.parametrize("text", ["<b>x", "x</b>", "<b>x</i>", "a & b", "a < b", "<script>x</script>", "<br/>",
                                  "&nbsp;", "<a>x</a>", "<span>x</span>", "<!-- c -->x"])
def test_fake_server_refuses_html_telegram_cannot_parse(server, text):
    status, answer = call(server, "sendMessage", chat_id=1, text=text, parse_mode="HTML")
    assert status == 400 and "can't parse entities" in answer["description"].lower()
    assert call(server, "sendMessage", chat_id=1, text=text)[0] == 200  # fine as plain text


def test_fake_server_accepts_the_html_telegram_accepts(server):
    text = ('<b>b</b> <i>i</i> <u>u</u> <s>s</s> <code>c</code> <pre>p</pre> <a href="https://t.me/x?a=1&amp;b=2">a'
            '</a> <span class="tg-spoiler">s</span> <blockquote>q</blockquote> &lt;&gt;&amp;&quot; &#128512;')
    assert call(server, "sendMessage", chat_id=1, text=text, parse_mode="HTML")[0] == 200


def test_fake_server_callback_data_is_at_most_64_bytes(server):
    def keyboard(data: str) -> dict:
        return {"inline_keyboard": [[{"text": "ok", "callback_data": data}]]}

    assert call(server, "sendMessage", chat_id=1, text="x", reply_markup=keyboard("d" * 64))[0] == 200
    status, answer = call(server, "sendMessage", chat_id=1, text="x", reply_markup=keyboard("d" * 65))
    assert (status, answer["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    assert call(server, "sendMessage", chat_id=1, text="x", reply_markup=keyboard("é" * 33))[0] == 400  # 66 bytes
    assert call(server, "sendMessage", chat_id=1, text="x", reply_markup=keyboard(""))[0] == 400


def _inline_query_id(api: FakeBotAPI) -> str:
    """An inline query as the bot receives it, fetched with getUpdates like a bot would."""
    update_id = api.add_inline_query("visa")
    status, answer = call(api, "getUpdates", offset=update_id, timeout=0)
    assert status == 200
    return next(u["inline_query"]["id"] for u in answer["result"] if u["update_id"] == update_id)


def _article(n: int) -> dict:
    return {"type": "article", "id": f"r{n}", "title": "t",
            "input_message_content": {"message_text": "<b>card</b>", "parse_mode": "HTML"}}


def test_fake_server_takes_at_most_50_inline_results(server):
    assert call(server, "answerInlineQuery", inline_query_id=_inline_query_id(server),
                results=[_article(n) for n in range(50)])[0] == 200
    status, answer = call(server, "answerInlineQuery", inline_query_id=_inline_query_id(server),
                          results=[_article(n) for n in range(51)])
    assert (status, answer["description"]) == (400, "Bad Request: RESULTS_TOO_MUCH")
    broken = {**_article(1), "input_message_content": {"message_text": "<b>card", "parse_mode": "HTML"}}
    assert call(server, "answerInlineQuery", inline_query_id=_inline_query_id(server), results=[broken])[0] == 400
    assert call(server, "answerInlineQuery", inline_query_id="forged", results=[])[0] == 400


def test_fake_server_answers_403_for_a_blocked_chat_and_401_for_a_wrong_token(server):
    server.blocked.add(66)
    try:
        status, answer = call(server, "sendMessage", chat_id=66, text="x")
        assert (status, answer["description"]) == (403, "Forbidden: bot was blocked by the user")
    finally:
        server.blocked.discard(66)
    assert call(server, "getMe", token="1:wrong")[0] == 401


def test_fake_server_keeps_a_command_menu_per_language(server):
    menu = [{"command": "help", "description": "Help"}]
    assert call(server, "setMyCommands", commands=menu, language_code="ar")[0] == 200
    assert call(server, "getMyCommands", language_code="ar")[1]["result"] == menu
    assert call(server, "getMyCommands", language_code="fr")[1]["result"] == []
    # Telegram takes two-letter codes only: Sorani ("ckb") cannot have a menu of its own
    assert call(server, "setMyCommands", commands=menu, language_code="ckb")[0] == 400
    assert call(server, "setMyCommands", commands=[{"command": "Bad-Name", "description": "x"}])[0] == 400


# -- configuration from the environment ------------------------------------------------------------------------

def test_configuration_from_the_environment(monkeypatch, tmp_path):
    from bot.config import TELEGRAM_DEFAULT_BASE_URL, Config

    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "SCAMBOT_ADMINS", "SCAMBOT_DATA_DIR",
                 "SCAMBOT_WEBHOOK_SECRET", "SCAMBOT_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    default = Config.from_env()
    assert default.token is None and default.webhook_secret is None and default.admins == frozenset()
    assert default.api_base_url == TELEGRAM_DEFAULT_BASE_URL == "https://api.telegram.org"
    assert default.data_dir == tmp_path / "xdg" / "scambot"  # a sensible default when unset
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("SCAMBOT_ADMINS", " 42, 7;x, ,-100123 ")
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCAMBOT_WEBHOOK_SECRET", "s3cret")
    config = Config.from_env()
    assert config.token == TOKEN and config.webhook_secret == "s3cret"
    assert config.api_base_url == "http://127.0.0.1:8081"  # the bot calls {root}/bot{token}/{method}
    assert config.admins == frozenset({42, 7, -100123})
    assert config.data_dir == tmp_path / "data"


# -- entities ----------------------------------------------------------------------------------------------

def _message(text: str, entities: list[dict], chat_type: str = "group") -> Any:
    from telegram import Message

    return Message.de_json({"message_id": 1, "date": 1, "chat": {"id": -5, "type": chat_type}, "text": text,
                            "from": {"id": 7, "is_bot": False, "first_name": "A"}, "entities": entities}, None)


def test_an_entity_that_splits_a_character_is_read_without_an_exception():
    """Found by the hostile-input property test: a forged mention of one UTF-16 unit over a character outside
    the BMP made python-telegram-bot's parse_entities raise UnicodeDecodeError in groups."""
    forged = _message("\U00010000 hi", [{"type": "mention", "offset": 0, "length": 1}])
    assert addressed_to_bot(forged, "scambot", 99) is None
    command = _message("\U00010000", [{"type": "bot_command", "offset": 0, "length": 1}])
    assert isinstance(command_argument(command), str)


def test_mentions_and_commands_after_wide_characters_are_still_found():
    text = "\U0001F600 @ScamBot is this contract safe?"
    mention = _message(text, [{"type": "mention", "offset": 3, "length": 8}])  # the emoji is 2 UTF-16 units
    assert addressed_to_bot(mention, "scambot", 99) == "\U0001F600   is this contract safe?"
    command = _message("/check@ScamBot the offer 💰 text", [{"type": "bot_command", "offset": 0, "length": 14}])
    assert command_argument(command) == "the offer 💰 text"
