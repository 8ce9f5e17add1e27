"""The command line: the same engine as the bot, with JSON lines for tools."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.cli.core import main


@pytest.fixture()
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None):
        return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)

    return invoke


def test_ask_prints_the_answer_in_the_question_language(run):
    result = run("ask", "they offered me a scholarship in Moscow with a salary, is it safe?")
    assert result.exit_code == 0
    assert "Russia" in result.output or "Moscow" in result.output


def test_match_jsonl_gives_one_line_per_question_with_top_three(run):
    lines = [{"text": "3ndi 3ard shughul b rusia"}, {"text": "how to cook borscht"}, {"text": ""}]
    result = run("match", "--jsonl", stdin="\n".join(json.dumps(x) for x in lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 3
    assert out[0]["lang"] == "ar"
    assert out[0]["topics"][0]["id"] == "job-offer"
    assert not out[1]["answered"]
    assert not out[2]["answered"]
    for row in out:
        assert len(row["topics"]) <= 3
        assert all(0 <= t["score"] <= 100 for t in row["topics"])


def test_check_jsonl_quotes_evidence_from_the_text(run):
    text = "Работа в Министерстве обороны, единовременная выплата 200 тыс. рублей, контракт на месте"
    result = run("check", "--jsonl", stdin=json.dumps({"text": text}, ensure_ascii=False) + "\n")
    row = json.loads(result.output)
    assert row["lang"] == "ru"
    assert row["risk"] == "high"
    ids = {sign["id"] for sign in row["signs"]}
    assert "military-terms" in ids
    for sign in row["signs"]:
        assert all(quote in text for quote in sign["evidence"])


def test_check_human_readable_never_says_safe_for_a_plain_text(run):
    result = run("check", "The library opens at nine on Monday.")
    assert result.exit_code == 0
    assert "not mean it is safe" in result.output


def test_bad_jsonl_line_is_a_clear_error(run):
    result = CliRunner().invoke(main, ["match", "--jsonl"], input="not json\n")
    assert result.exit_code != 0
    assert "not a JSON line" in result.output


def test_faq_list_names_every_required_topic(run):
    from bot.content.validate import REQUIRED_TOPICS

    result = run("faq", "list", "--jsonl")
    topics = {json.loads(line)["topic"] for line in result.output.splitlines()}
    assert set(REQUIRED_TOPICS) <= topics


def test_without_a_token_the_main_command_is_the_local_chat(run):
    result = run(stdin="/hotline\n")
    assert result.exit_code == 0
    assert "local chat" in result.output
    assert "Where to get help" in result.output


def test_local_chat_checks_the_text_after_the_check_button(run):
    result = run("chat", stdin="/check\nСВО контракт с Министерством обороны\n")
    assert "🔴" in result.output  # the high-risk line, in the language of the text (Russian)


def test_local_chat_quits_on_quit_and_names_unknown_commands(run):
    question = "is a scholarship in Moscow safe?\n"
    quitting = run("chat", stdin="/stats\n/quit\n" + question)
    going_on = run("chat", stdin="/stats\n" + question)
    assert quitting.exit_code == 0
    assert "I do not know this command" in quitting.output
    answer = going_on.output.split("I do not know this command")[1]
    assert "study" in answer.lower()  # without /quit the question is answered...
    assert quitting.output.split("I do not know this command")[1] not in (answer, "")  # ...with /quit it is not
    assert len(quitting.output) < len(going_on.output)


# -- bad input (issue 20): a clear line and exit 2, never a silent "no warning sign found" -------------------

def test_a_bad_jsonl_line_is_named_by_its_number_and_the_run_goes_on(run):
    lines = '{"text": "is a job in Moscow safe"}\nnot json\n\n{"no": "text"}\n{"text": "work visa for Russia"}\n'
    result = run("match", "--jsonl", stdin=lines)
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 4  # one line out per non-empty line in, so a script can pair them
    assert out[1] == {"line": 2, "error": out[1]["error"]} and "not a JSON line" in out[1]["error"]
    assert out[2]["line"] == 4 and "text" in out[2]["error"]
    assert "lang" in out[0] and "lang" in out[3]
    assert "line 2:" in result.stderr and "line 4:" in result.stderr


def test_strict_stops_at_the_first_bad_line(run):
    result = run("check", "--jsonl", "--strict", stdin='{"text": "hello"}\nnot json\n{"text": "x"}\n')
    assert result.exit_code != 0
    assert len(result.stdout.splitlines()) == 1
    assert "line 2" in result.stderr


@pytest.mark.parametrize("stdin", ["", "   \n\t\n"])
def test_check_of_empty_input_is_an_error_not_a_verdict(run, stdin):
    result = run("check", "-", stdin=stdin)
    assert result.exit_code == 2
    assert "empty" in result.stderr and "warning sign" not in result.output.lower()


def test_check_reads_the_offer_from_stdin(run):
    offer = "Work in Russia for the Ministry of Defence, army contract, 3000 USD a month, we pay the ticket"
    for args in (("check", "-"), ("check",)):
        result = run(*args, stdin=offer)
        assert result.exit_code == 0 and "High risk" in result.output


def test_check_refuses_a_file_name_and_says_how_to_check_the_file(run, tmp_path):
    path = tmp_path / "offer.txt"
    path.write_text("Work in Russia, army contract", encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 2
    assert f"scambot check - < {path}" in result.stderr


def test_fail_on_sets_the_exit_code_for_scripts(run):
    high = "Work in Russia for the Ministry of Defence, army contract, 3000 USD a month, we pay the ticket"
    assert run("check", "--fail-on", "high", high).exit_code == 1
    assert run("check", "--fail-on", "high", "the weather in Paris is nice").exit_code == 0
    lines = json.dumps({"text": "hello"}) + "\n" + json.dumps({"text": high}) + "\n"
    assert run("check", "--jsonl", "--fail-on", "medium", stdin=lines).exit_code == 1
    assert run("check", "--jsonl", stdin=lines).exit_code == 0


@pytest.mark.parametrize("command", [("ask", "--lang", "de", "hello"), ("check", "--lang", "xx", "hello")])
def test_an_unknown_language_is_an_error(run, command):
    result = run(*command)
    assert result.exit_code == 2
    assert f"'{command[2]}' is not one of" in result.stderr


def test_eval_of_a_missing_file_is_an_error(run, tmp_path):
    result = run("eval", "--questions", str(tmp_path / "missing.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_broadcast_dry_run_without_subscribers_says_none_would_receive_it(run, tmp_path):
    alert = tmp_path / "a.txt"
    alert.write_text("en: hello\n", encoding="utf-8")
    result = run("broadcast", str(alert), "--dry-run")
    assert result.exit_code == 0 and "0 subscriber(s) would receive this alert." in result.output


def test_eval_blind_reports_the_test_half_per_dialect_group(run):
    result = run("eval", "--blind", "test", "--json")
    assert result.exit_code == 0
    figures = json.loads(result.output)
    assert figures["figures"]["all"]["questions"] + figures["figures"]["all"]["out_of_scope"] == 345
    for group in ("ar-iraqi", "ar-arabizi", "ckb", "en", "fr", "ru-cyrillic", "ru-latin"):
        assert 0.0 <= figures["figures"][f"group:{group}"]["answered_right"] <= 1.0
    assert figures["time_ms"]["p99"] >= figures["time_ms"]["median"] > 0
    assert "misses" not in figures


def test_match_explain_adds_the_evidence_and_keeps_the_fields(run):
    result = run("match", "--jsonl", "--explain", stdin='{"text": "the agent took my passport"}\n')
    line = json.loads(result.output)
    assert {"lang", "answered", "topics", "explain"} <= set(line)
    assert line["topics"][0]["id"] == "passport-taken"
    assert "passport-taken" in line["explain"]["evidence"] and "contributions" in line["explain"]
