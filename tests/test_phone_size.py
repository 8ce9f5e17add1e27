"""Phone-sized replies (issue 15): the first message of a topic answer fits 700 visible characters and an offer's
verdict 900, the verdict being the first line; measured over every topic and the dev offers, in every language.

`python -m pytest -q tests/test_phone_size.py -s` prints the medians and maxima.
"""

from __future__ import annotations

import json
import statistics

import pytest

from bot.config import Config
from bot.engine import Engine
from bot.replies import ANSWER_BUDGET, VERDICT_BUDGET
from bot.text.markup import to_plain

# Topics whose first message is a list of contacts, which the contacts' owner (issue 16) shortens by country.
CONTACT_LISTS = {"hotline"}


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    return Engine.load(Config(data_dir=tmp_path_factory.mktemp("phone")))


def dev_offers() -> list[str]:
    path = Config().eval_dir / "blind" / "offers_dev.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["text"] for row in rows if len(row.get("text", "")) >= 200]


def test_every_topic_answer_fits_one_phone_screen(engine: Engine):
    for lang in engine.languages:
        sizes = {topic: len(to_plain(engine.topic_reply(topic, lang).text)) for topic in engine.topic_ids}
        print(lang, "topic first message: median", statistics.median(sizes.values()), "max", max(sizes.values()))
        over = {topic: size for topic, size in sizes.items() if size > ANSWER_BUDGET and topic not in CONTACT_LISTS}
        assert not over, f"{lang}: over {ANSWER_BUDGET} visible characters: {over}"


def test_the_verdict_is_first_and_fits_one_phone_screen(engine: Engine):
    offers = dev_offers()
    assert len(offers) >= 30
    for lang in engine.languages:
        sizes = []
        for text in offers:
            reply = engine.respond(text, None, forwarded=True, reader=lang)
            if reply.kind != "check":
                continue
            first_line = to_plain(reply.text).split("\n", 1)[0]
            verdict = to_plain(engine.text(f"risk_{reply.risk}", lang)).split("\n", 1)[0]
            report = to_plain(engine.text("check_report", lang)).split("\n", 1)[0]
            assert first_line in (verdict, report), f"{lang}: the verdict is not the first line"
            sizes.append(len(to_plain(reply.text)))
        within = sum(size <= VERDICT_BUDGET for size in sizes) / len(sizes)
        print(lang, f"verdict first message ({len(sizes)} offers): median", statistics.median(sizes),
              "max", max(sizes), f"within {VERDICT_BUDGET}: {within:.0%}")
        assert within >= 0.95, f"{lang}: only {within:.0%} of verdicts fit {VERDICT_BUDGET} characters"
