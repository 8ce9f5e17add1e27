"""The same scripted dialogues through both adapters give the same replies (bot/conversation.py).

Each dialogue runs through the real `scambot run` process against the fake Bot API, and through the local
chat's own reading and rendering (bot/localchat.py), each with a state of its own. After every step the texts
(Telegram's HTML read as plain text, the local chat's printed lines) and the button labels must be equal.
A step is a line as a person types it (text or /command) or `press N` (the N-th button of the last reply).
"""

from __future__ import annotations

import time

import pytest
from conftest import BotProcess
from fakebotapi import FakeBotAPI

from bot.config import Config
from bot.conversation import Conversation, Person
from bot.engine import Engine
from bot.localchat import read_line, show
from bot.models import Button
from bot.state import State
from bot.text.markup import to_plain

pytestmark = pytest.mark.slow

OFFER_EN = ("Work in Russia as a warehouse helper, salary 3000 dollars per month, free flight and visa. Contract "
            "signed on arrival, in Russian. Send a copy of your passport on WhatsApp. Limited places, reply today.")
CONTRACT_RU = ("Контракт о прохождении военной службы. Гражданин поступает на военную службу по контракту в "
               "Вооружённых Силах Российской Федерации. Единовременная выплата 400 000 рублей.")

# name -> steps. Five languages, the offer-check mode, the urgent paths, language switching, the menu.
DIALOGUES: dict[str, list[str]] = {
    "en-question-and-related": ["/start", "they offered me a scholarship in Moscow with a salary, is it safe?",
                                "press 1"],
    "en-check-button-then-offer": ["/start", "press 2", OFFER_EN],
    # The local chat used to analyse this as an offer after "check an offer"; Telegram gave the urgent path.
    "en-check-button-then-urgent": ["/start", "press 2", "my son is at the front and does not answer"],
    "en-urgent-passport": ["I am in Russia and they took my passport, they force me to sign a contract"],
    "en-menu-none-of-these": ["what should i do", "press 4"],
    "en-forget": ["is a job as a guard in Russia real?", "/forget", "/privacy"],
    "en-unknown-command": ["/nonsense", "how do I report a recruiter on TikTok?"],
    "ar-iraqi-and-hotline": ["/start", "عرضوا عليه شغل حارس بروسيا براتب 3000 دولار شلون اعرف اذا صدك", "/hotline",
                             "press 1"],
    "ar-arabizi": ["3ndi 3ard shughul b rusia, el wakeel ygool rateb 2000 dolar, shlon a3rf?"],
    "ar-urgent-family": ["ابني راح لروسيا يشتغل وهسه بالجبهة وما يرد على التلفون"],
    "ar-switch-to-english": ["/language", "press 3", "how do I check an offer?"],
    "ckb-question-and-signs": ["/start", "برایەکەم لە ڕووسیا کاری پێدەدەن، چۆن بزانم ڕاستە؟", "/signs"],
    "ckb-check-command": ["/check کاری پاسەوانی لە ڕووسیا، مووچە 3000 دۆلار، گرێبەستەکە بە ڕووسییە"],
    "fr-menu-and-language": ["offre russie", "press 1", "/language", "press 5"],
    "fr-urgent-prisoner": ["mon frère a été capturé par l'Ukraine, il était dans l'armée russe, que faire ?"],
    "ru-contract": [CONTRACT_RU],
    "ru-help-privacy": ["/help", "/privacy", "как проверить предложение о работе в России?"],
}
LANGS_COVERED = {"ar", "ckb", "en", "fr", "ru"}


def plain(text: str) -> list[str]:
    return to_plain(text).split()


# -- the local chat ------------------------------------------------------------------------------------

def local_dialogue(conversation: Conversation, ref: str, steps: list[str]) -> list[tuple[list[str], list[str]]]:
    """(words of the texts, button labels) after each step, as the local chat prints them."""
    person, buttons, out = Person(ref), [], []
    for step in steps:
        lines: list[str] = []
        if step.startswith("press "):
            line = step.split()[1]
        else:
            line = step
        incoming = read_line(line, buttons)
        assert incoming is not None
        person = show(conversation.step(person, incoming), lines.append, buttons)
        texts = [line for line in lines if not line.startswith("  [")]
        out.append((" ".join(texts).split(), [button.label for button in buttons]))
    return out


# -- Telegram ------------------------------------------------------------------------------------------

def telegram_dialogue(fake: FakeBotAPI, user: int, steps: list[str]) -> list[tuple[list[str], list[str]]]:
    out = []
    last_markup: list[dict] = []
    for step in steps:
        before = len(fake.sent(user))
        if step.startswith("press "):
            button = last_markup[int(step.split()[1]) - 1]
            fake.add_callback(button["callback_data"], user_id=user)
        else:
            fake.add_message(step, user_id=user, language_code=None)
        assert fake.wait_until(lambda before=before: len(fake.sent(user)) > before, 20), f"no reply to {step!r}"
        time.sleep(0.4)  # a long reply comes in several messages: the last one carries the buttons
        messages = fake.sent(user)[before:]
        words = [word for message in messages for word in plain(message["text"])]
        rows = (messages[-1].get("reply_markup") or {}).get("inline_keyboard", [])
        last_markup = [b for row in rows for b in row]
        out.append((words, [b["text"] for b in last_markup]))
    return out


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> tuple[Conversation, State]:
    data = tmp_path_factory.mktemp("local")
    config = Config(data_dir=data)
    state = State.open(data)
    return Conversation(Engine.load(config), state, config.retention_days), state


def test_the_dialogues_cover_five_languages_and_the_paths_that_matter():
    langs = {name.split("-")[0] for name in DIALOGUES}
    assert langs == LANGS_COVERED and len(DIALOGUES) >= 15
    assert any("urgent" in name for name in DIALOGUES) and any("check" in name for name in DIALOGUES)


@pytest.mark.parametrize("name", sorted(DIALOGUES))
def test_telegram_and_the_local_chat_give_identical_replies(polling_bot: BotProcess, fake: FakeBotAPI, local,
                                                            name: str):
    conversation, state = local
    user = 7000 + sorted(DIALOGUES).index(name)
    steps = DIALOGUES[name]
    on_telegram = telegram_dialogue(fake, user, steps)
    in_terminal = local_dialogue(conversation, state.user_ref(user), steps)
    for step, telegram, terminal in zip(steps, on_telegram, in_terminal, strict=True):
        assert telegram[0] == terminal[0], f"{name}: the texts differ after {step!r}"
        assert telegram[1] == terminal[1], f"{name}: the buttons differ after {step!r}"
        assert telegram[0], f"{name}: no reply to {step!r}"


def test_the_check_mode_no_longer_hides_the_urgent_path(local):
    """The divergence issue 12 names: after "check an offer", a mother's message gets the urgent steps."""
    conversation, state = local
    [(_, welcome_buttons), (_, _), (words, _)] = local_dialogue(
        conversation, state.user_ref(1), DIALOGUES["en-check-button-then-urgent"])
    check = conversation.engine.respond("my son is at the front and does not answer", "en", forwarded=True)
    assert check.kind == "urgent" and words == plain(check.text)
    assert welcome_buttons[1] == Button(conversation.engine.text("btn_check", "en"), "check").label
