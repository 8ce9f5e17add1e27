"""Statistics: the right figures, and no count small enough to single someone out."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from fakebotapi import telegram_html_problem

from bot.cli.core import main
from bot.ngo.stats import COMPLEMENT, HIDDEN, collect, protect, protect_total, stats_table, stats_text
from bot.state.store import State

TODAY = datetime.now(UTC).date().isoformat()


@pytest.fixture()
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "stats-test-key-of-32-bytes-or-more")
    s = State.open(tmp_path)
    yield s
    s.close()


def populate(state: State) -> None:
    """12 Arabic users from a poster, 3 English direct users, 1 Kurdish user from a fair."""
    for i in range(12):
        ref = state.user_ref(i)
        state.set_user(ref, lang="ar", country="IQ", source="basra_poster")
        state.record_question(ref, "ar", topic="study-offer", answered=i < 8, source="basra_poster")
    for i in range(100, 103):
        ref = state.user_ref(i)
        state.set_user(ref, lang="en")
        state.record_question(ref, "en", topic="job-offer", answered=True)
    ref = state.user_ref(200)
    state.set_user(ref, lang="ckb", source="erbil_fair")
    state.record_question(ref, "ckb", answered=False, source="erbil_fair")
    for i in range(6):
        state.record_check(state.user_ref(i), "ar", "high", ["military-terms", "signing-bonus"] if i else ["fee"])


def as_dict(pairs: list) -> dict:
    return {k: v for k, v in pairs}


def test_counts_under_five_are_suppressed(state):
    populate(state)
    figures = collect(state, days=30)
    assert figures["totals"]["questions"] == 16
    assert figures["totals"]["active_users"] == 16 and figures["totals"]["new_users"] == 16
    langs = as_dict(figures["questions_by_language"])
    assert langs["ar"] == 12 and langs["en"] == HIDDEN and langs["ckb"] == HIDDEN
    sources = as_dict(figures["new_users_by_source"])
    assert sources == {"basra_poster": 12, "(direct)": HIDDEN, "erbil_fair": HIDDEN}
    assert as_dict(figures["top_topics"]) == {"study-offer": 12, "job-offer": HIDDEN}
    signs = as_dict(figures["top_signs"])
    assert signs["military-terms"] == 5 and signs["fee"] == HIDDEN
    assert figures["totals"]["subscribers"] == 0  # zero reveals no one: shown as 0
    # No value anywhere is a number from 1 to 4.
    text = json.dumps(figures)
    values = []

    def walk(node):
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, int) and not isinstance(node, bool):
            values.append(node)

    walk({k: v for k, v in figures.items() if k not in ("period", "min_count", "unanswered_share")})
    assert values and all(v >= 5 or v == 0 for v in values), text


def test_unanswered_share_and_its_suppression(state):
    populate(state)
    figures = collect(state)
    # 4 Arabic + 1 Kurdish unanswered of 16: 5 is shown, and so is the share
    assert figures["totals"]["unanswered"] == 5 and figures["totals"]["answered"] == 11
    assert figures["unanswered_share"] == round(100 * 5 / 16)
    state.record_question(None, "en", answered=True)
    state.db.execute("update counters set n = 3 where metric = 'unanswered' and key = 'ar'")
    figures = collect(state)
    assert figures["totals"]["unanswered"] == HIDDEN and figures["unanswered_share"] is None
    assert figures["totals"]["answered"] == COMPLEMENT  # else 17 - answered would give the hidden count


def test_one_hidden_count_cannot_be_worked_out_from_the_total():
    shown = protect({"ar": 40, "en": 9, "fr": 2})
    assert shown == {"ar": 40, "en": COMPLEMENT, "fr": HIDDEN}
    assert protect({"ar": 40, "en": 2, "fr": 3}) == {"ar": 40, "en": HIDDEN, "fr": HIDDEN}
    assert protect({"ar": 40, "en": 9}) == {"ar": 40, "en": 9}


def test_only_the_window_counts(state):
    populate(state)
    old = (datetime.now(UTC).date() - timedelta(days=40)).isoformat()
    state.db.execute("update counters set day = ? where metric = 'questions' and key = 'ar'", [old])
    figures = collect(state, days=30)
    assert "ar" not in as_dict(figures["questions_by_language"])
    assert len(figures["per_day"]) == 30 and figures["per_day"][-1]["day"] == TODAY
    assert collect(state, days=60)["totals"]["questions"] == 16


def test_per_day_series(state):
    populate(state)
    figures = collect(state, days=7)
    today = figures["per_day"][-1]
    assert today == {"day": TODAY, "active_users": 16, "new_users": 16, "questions": 16, "unanswered": 5,
                     "checks": 6}
    assert all(d["questions"] == 0 and d["active_users"] == 0 for d in figures["per_day"][:-1])  # none: 0


def test_zero_is_shown_as_zero_and_one_to_four_stay_hidden():
    assert protect({"a": 0, "b": 3, "c": 9, "d": 12}) == {"a": 0, "b": HIDDEN, "c": COMPLEMENT, "d": 12}
    assert protect({"a": 0, "b": 2}) == {"a": 0, "b": HIDDEN}  # a zero is never the complementary one
    assert protect_total(0) == 0 and protect_total(1) == HIDDEN and protect_total(4) == HIDDEN


def test_no_identifiers_in_the_figures(state):
    populate(state)
    state.subscribe(state.user_ref(987654321), chat_id=987654321, lang="ar")
    dumped = json.dumps(collect(state)) + stats_table(collect(state)) + stats_text(collect(state))
    assert "987654321" not in dumped
    assert state.user_ref(1) not in dumped and state.user_ref(987654321) not in dumped


def test_stats_text_is_valid_telegram_html_within_4096_characters(state):
    populate(state)
    # many sources with long names, and a name that would break HTML if not escaped
    for i in range(300):
        ref = state.user_ref(10_000 + i)
        state.set_user(ref, lang="en", source=f"source_{i:03d}_" + "x" * 38)
        for _ in range(5):
            state.record_question(ref, "en", topic=f"topic-{i}", source=f"source_{i:03d}_" + "x" * 38)
    state.set_user(state.user_ref(99_999), source="<b>&evil")
    figures = collect(state)
    text = stats_text(figures)
    assert len(text) <= 4096
    assert telegram_html_problem(text) is None, text
    assert "Questions per language" in text and "<pre>" in text
    assert "&lt;b&gt;&amp;evil" in text or "evil" not in text


def test_an_empty_state_shows_zeros_not_hidden_counts(state):
    figures = collect(state)
    assert figures["totals"]["questions"] == 0 and figures["unanswered_share"] is None
    assert all(day["questions"] == 0 for day in figures["per_day"])
    assert telegram_html_problem(stats_text(figures)) is None
    assert HIDDEN not in stats_table(figures)


def test_cli_stats_text_and_json(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "stats-test-key-of-32-bytes-or-more")
    s = State.open(tmp_path)
    populate(s)
    s.close()
    result = CliRunner().invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["totals"]["questions"] == 16 and as_dict(figures["questions_by_language"])["en"] == HIDDEN
    result = CliRunner().invoke(main, ["stats", "--days", "7"])
    assert result.exit_code == 0
    assert "basra_poster" in result.stdout and "Top topics" in result.stdout and "<5" in result.stdout
