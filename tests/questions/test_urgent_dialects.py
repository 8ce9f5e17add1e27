"""Urgent cases (pressed to sign in Russia, passport taken, a relative at the front or missing) get the urgent path
in Arabizi and in Sorani with and without its own letters, as in Arabic script and English (issue 13 point 4).
The sentences were written for this test, not taken from faq/ or eval/."""

import pytest

from bot.config import Config
from bot.engine import Engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load(Config.from_env())


@pytest.mark.parametrize(("text", "topic"), [
    ("ana hasa b rusia w y6lboon minni awaqi3 3aqd 3askari", "coerced-in-russia"),
    ("a5ethaw jawazi b moscow w ma yrajji3oo", "passport-taken"),
    ("ibni mafqood b rusia min shahrain", "family-help"),
    ("من له روسيام و زور ده كه ن واژو بكه م بو سوپا", "coerced-in-russia"),
    ("پاسپورته كه ميان لي سه ندووم له روسيا", "passport-taken"),
    ("براكه م له به ره ي شه ره و هيچ هه واليكمان نيه", "family-help"),
    ("من لە ڕووسیام و فشارم لێدەکەن گرێبەستی سەربازی واژۆ بکەم", "coerced-in-russia"),
    ("يجبروني اوقع عقد عسكري وانا بروسيا", "coerced-in-russia"),
    ("they are forcing me to sign army papers in russia", "coerced-in-russia"),
])
def test_urgent_path_first(engine, text, topic):
    result = engine.match(text)
    assert result.topics and result.topics[0].id == topic
    reply = engine.respond(text)
    assert reply.text == engine.topic_reply(topic, result.lang, urgent=True).text
