"""Logs hold no user text, id or username on any path, the libraries' own included (issue 19, finding 4 and
the log part of 6): an update python-telegram-bot cannot parse, an exception quoting data, a non-admin.

Before: PTB logged an update it could not parse whole at CRITICAL ("Received data was ..."), and in polling
the same batch then came back for ever, so nobody was answered again."""

from __future__ import annotations

import logging
import re
import sys

import pytest
from conftest import BotProcess, free_port, start_bot, stop_bot, wait_started
from fakebotapi import FakeBotAPI
from test_telegram_webhook import message_update, post

from bot.telegram.app import LibraryRecordFilter, RedactingFormatter

pytestmark = pytest.mark.slow

SECRET = "a-webhook-secret-of-32-characters-at-least"
# What must never reach a log: the person's id, names, username and words.
PERSON_ID = 5550123
SECRETS_OF_THE_PERSON = (str(PERSON_ID), "Ahmed", "Basrawi", "ahmed_basra77", "my brother signed in Rostov")


def unreadable_update(update_id: int | None = None) -> dict:
    """A message with a field this version of PTB cannot read (an entity without offset and length, as when
    Telegram changes a type): the rest of it is an ordinary private message."""
    message = {"message_id": 77, "date": 1700000000, "text": "my brother signed in Rostov, what now?",
               "from": {"id": PERSON_ID, "is_bot": False, "first_name": "Ahmed", "last_name": "Basrawi",
                        "username": "ahmed_basra77", "language_code": "ar"},
               "chat": {"id": PERSON_ID, "type": "private", "first_name": "Ahmed", "username": "ahmed_basra77"},
               "entities": [{"type": "a_new_kind_of_entity"}]}
    update: dict = {"message": message}
    if update_id is not None:
        update["update_id"] = update_id
    return update


def assert_nothing_of_the_person(log: str) -> None:
    leaked = [word for word in SECRETS_OF_THE_PERSON if word in log]
    assert leaked == [], f"the log holds {leaked}:\n{log[-3000:]}"


def test_polling_an_update_ptb_cannot_read_is_dropped_unlogged_and_the_bot_goes_on(polling_bot: BotProcess,
                                                                                   fake: FakeBotAPI):
    bad = fake.add_update(unreadable_update())
    before = len(fake.sent(4711))
    fake.add_message("hello", user_id=4711)
    assert fake.wait_until(lambda: len(fake.sent(4711)) > before, 30), \
        f"the bot answers nobody after an unreadable update:\n{polling_bot.log()[-3000:]}"
    assert fake.wait_until(lambda: fake.confirmed_offset > bad, 10)  # confirmed: not sent again for ever
    log = polling_bot.log()
    assert f"update {bad}: python-telegram-bot cannot read it (TypeError); dropped" in log
    assert "Received data was" in log  # PTB's own line is still there, without the data
    assert_nothing_of_the_person(log)
    assert fake.sent(PERSON_ID) == []


def test_webhook_an_update_ptb_cannot_read_is_dropped_unlogged_and_the_bot_goes_on(fake: FakeBotAPI, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    fake.webhook = {}
    bot = start_bot(fake, tmp_path / "data", ["webhook", "--port", str(port), "--url", url],
                    {"SCAMBOT_WEBHOOK_SECRET": SECRET})
    try:
        wait_started(bot, lambda: fake.webhook.get("url") == url and "started" in bot.log())
        assert fake.wait_until(lambda: post(url, {}, None) == 403, 30)
        assert post(url, unreadable_update(900001), SECRET) == 200  # 200: Telegram must not send it again
        assert post(url, message_update(900002, "hello", 4712), SECRET) == 200
        assert fake.wait_until(lambda: len(fake.sent(4712)) == 1, 30)
        assert_nothing_of_the_person(bot.log())
    finally:
        stop_bot(bot)
    assert_nothing_of_the_person(bot.log())


# -- the filter on the libraries' loggers -------------------------------------------------------------------

def formatted(record: logging.LogRecord) -> str:
    """The record as the bot's handler writes it: the filter, then the formatter."""
    assert LibraryRecordFilter().filter(record)
    return RedactingFormatter(None, "%(levelname)s %(name)s: %(message)s").format(record)


def library_record(name: str, msg: str, args: tuple = (), exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = None
    if exc is not None:
        try:
            raise exc
        except BaseException:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.CRITICAL, __file__, 1, msg, args, exc_info)


def test_a_library_record_keeps_its_template_not_the_values_given_to_it():
    data = unreadable_update(5)
    line = formatted(library_record("telegram.ext.Updater", "Error while parsing updates! Received data was %r",
                                    ([data],), exc=TypeError(f"cannot read {data['message']['text']}")))
    assert line.startswith("CRITICAL telegram.ext.Updater: Error while parsing updates! Received data was <…>")
    assert "[TypeError]" in line  # the kind of failure and where, for the deployer
    assert_nothing_of_the_person(line)


def test_a_library_record_built_without_arguments_keeps_its_first_line_only():
    """asyncio's exception handler writes the task and its exception (which may quote data) after the first line."""
    message = ("Task exception was never retrieved\nfuture: <Task finished name='x' "
               "exception=ValueError('my brother signed in Rostov from 5550123')>")
    line = formatted(library_record("asyncio", message))
    assert line == "CRITICAL asyncio: Task exception was never retrieved"


@pytest.mark.parametrize("template, expected", [
    ("%(user)s wrote %(text)r", "<…> wrote <…>"),
    ("%d%% of %-8s done in %.3f s", "<…>% of <…> done in <…> s"),
])
def test_every_kind_of_placeholder_is_replaced(template, expected):
    args: object = ({"user": "ahmed_basra77", "text": "x"},) if "(" in template else (50, "Ahmed", 0.5)
    record = library_record("aiohttp.server", template, args)  # type: ignore[arg-type]
    assert formatted(record) == f"CRITICAL aiohttp.server: {expected}"


def test_the_bots_own_records_are_left_as_written():
    record = logging.LogRecord("bot.telegram.polling", logging.INFO, __file__, 1, "%d update(s) released", (3,), None)
    assert formatted(record) == "INFO bot.telegram.polling: 3 update(s) released"


def test_a_non_admins_attempt_is_logged_without_any_part_of_the_reference(polling_bot: BotProcess,
                                                                         fake: FakeBotAPI):
    from bot.state import State

    stranger = 3_602_113
    start = len(polling_bot.log())
    before = len(fake.sent(stranger))
    fake.add_message("/stats", user_id=stranger)
    assert fake.wait_until(lambda: len(fake.sent(stranger)) > before, 20)
    assert fake.wait_until(lambda: "non-admin" in polling_bot.log()[start:], 5)
    new = polling_bot.log()[start:]
    [line] = [line for line in new.splitlines() if "non-admin" in line]
    assert line.endswith("a non-admin tried an admin command")
    state = State.open(polling_bot.data_dir)  # the bot's own key, from its data directory
    ref = state.user_ref(stranger)
    state.close()
    assert not any(ref[i:i + 6] in new for i in range(0, len(ref) - 5)), "a piece of the reference is logged"
    assert str(stranger) not in new
    assert not re.search(r"\b[0-9a-f]{8,}\b", line)
