"""Grouping unanswered questions: similar questions together, largest groups first, scrubbed text only."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli.core import main
from bot.ngo.unmatched import group_unanswered, groups_text
from bot.state.store import State

WIFE = [
    ("Can I bring my wife to Russia on a student visa?", "en"),
    ("can i bring my wife to russia with student visa", "en"),
    ("Can I bring my WIFE to Russia on a student visa??", "en"),
    ("هل أستطيع أخذ زوجتي معي إلى روسيا بفيزا دراسية؟", "ar"),
    ("هل استطيع اخذ زوجتي معي الى روسيا بفيزا دراسيه", "ar"),
]
WINTER = [("what is the weather in Moscow in winter", "en"), ("How cold is Moscow in winter?", "en")]
ALONE = [("Is the university in Kazan accredited in Iraq?", "en")]


def rows(pairs, day="2026-11-01"):
    return [{"text": text, "lang": lang, "day": day} for text, lang in pairs]


def test_similar_questions_are_grouped_largest_first():
    groups = group_unanswered(rows(ALONE + WINTER + WIFE[:3]) + rows(WIFE[3:]))
    assert [g["count"] for g in groups] == [3, 2, 2, 1]
    assert groups[0]["langs"] == {"en": 3} and groups[2]["langs"] == {"ar": 2}
    assert groups[1]["examples"] == [t for t, _ in WINTER]  # equal sizes: the group seen first comes first
    assert groups[3]["examples"] == [ALONE[0][0]]


def test_examples_are_few_and_distinct():
    same = [("What about the army contract?", "en")] * 6 + [("what about the army contract", "fr")]
    [group] = group_unanswered(rows(same))
    assert group["count"] == 7 and group["langs"] == {"en": 6, "fr": 1}
    assert group["examples"] == ["What about the army contract?", "what about the army contract"]


def test_a_single_word_does_not_swallow_longer_questions():
    questions = [("russia", "en"), ("Russia", "en"), ("Can I work in Russia after my studies?", "en")]
    groups = group_unanswered(rows(questions))
    assert [g["count"] for g in groups] == [2, 1]


def test_scrub_placeholders_do_not_make_questions_similar():
    groups = group_unanswered(rows([("call [number] about the job", "en"), ("write to [email] about the visa", "en"),
                                    ("[number]", "en"), ("[link]", "en")]))
    counts = sorted(g["count"] for g in groups)
    assert counts == [1, 1, 2]  # the two placeholder-only texts form one group


def test_days_span_and_text_listing():
    groups = group_unanswered(rows(WINTER[:1], "2026-10-01") + rows(WINTER[1:], "2026-11-05"))
    assert groups[0]["first_day"] == "2026-10-01" and groups[0]["last_day"] == "2026-11-05"
    text = groups_text(groups)
    assert "2 question(s)" in text and "Moscow" in text
    assert groups_text([]).startswith("No unanswered")


def test_cli_unmatched_jsonl_reads_the_scrubbed_queue(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCAMBOT_HASH_KEY", "unmatched-test-key-of-32-bytes-or-more")
    state = State.open(tmp_path)
    for text, lang in WIFE + WINTER:
        state.queue_unanswered(text + " call me on +964 770 123 4567", lang)
    state.queue_unanswered("an expired question", "en")
    state.db.execute("update unanswered set day = '2000-01-01' where text like 'an expired%'")
    state.close()

    result = CliRunner().invoke(main, ["unmatched", "--jsonl"])
    assert result.exit_code == 0, result.output
    groups = [json.loads(line) for line in result.stdout.splitlines()]
    assert [g["count"] for g in groups] == [3, 2, 2]
    assert "770" not in result.stdout and "expired" not in result.stdout  # scrubbed; retention applied
    assert set(groups[0]) == {"count", "langs", "examples", "first_day", "last_day"}

    result = CliRunner().invoke(main, ["unmatched", "--limit", "1"])
    assert result.exit_code == 0 and "#1  3 question(s)" in result.stdout and "#2" not in result.stdout
