"""`scambot faq check` names the file and entry of every kind of problem, and passes valid content."""

from __future__ import annotations

import pytest

from bot.content.validate import check_faq
from tests.toyfaq import TOY_EXAMPLES, toy_topic, write_topic, write_toy_faq


@pytest.fixture()
def faq(tmp_path):
    return write_toy_faq(tmp_path)


def messages(faq) -> list[str]:
    # The toy content has its own topics, not the product's required ones.
    return [str(p) for p in check_faq(faq, required_topics=())]


def test_valid_toy_content_has_no_problem(faq):
    assert messages(faq) == []


def test_missing_language_is_named(faq):
    data = toy_topic("visa-help", TOY_EXAMPLES["visa-help"])
    del data["langs"]["ckb"]
    write_topic(faq, data)
    assert any("topics/visa-help.yaml: visa-help: missing language ckb" in m for m in messages(faq))


def test_duplicate_example_across_topics_is_named(faq):
    data = toy_topic("pay-help", TOY_EXAMPLES["pay-help"])
    data["langs"]["en"]["examples"].append("EN visa question number 3 about the embassy!")
    write_topic(faq, data)
    found = [m for m in messages(faq) if "also in topic" in m]
    # Both topics are named, whichever is read first.
    assert found and "pay-help" in found[0] and "visa-help" in found[0] and ".en" in found[0]


def test_answer_too_long_is_named(faq):
    data = toy_topic("visa-help", TOY_EXAMPLES["visa-help"])
    data["langs"]["fr"]["answer"] = "<b>Attention.</b> " + "x" * 1000
    write_topic(faq, data)
    assert any("visa-help.fr: answer too long" in m for m in messages(faq))


def test_broken_markup_is_named(faq):
    data = toy_topic("visa-help", TOY_EXAMPLES["visa-help"])
    data["langs"]["ar"]["answer"] = "<b>لا تدفع"
    write_topic(faq, data)
    problems = check_faq(faq)
    broken = [p for p in problems if "broken markup" in p.message]
    assert broken and broken[0].entry == "visa-help.ar.answer" and broken[0].fatal


def test_unknown_ids_and_missing_sources_are_named(faq):
    write_topic(faq, toy_topic("visa-help", TOY_EXAMPLES["visa-help"], related=["no-such-topic"],
                               contacts=["no-such-contact"], sources=[]))
    found = messages(faq)
    assert any("unknown related topic 'no-such-topic'" in m for m in found)
    assert any("unknown contact id 'no-such-contact'" in m for m in found)
    assert any("visa-help: missing source" in m for m in found)


def test_unknown_sign_id_is_named(faq):
    if not (faq / "signs.yaml").exists():
        pytest.skip("no sign catalogue yet")
    write_topic(faq, toy_topic("visa-help", TOY_EXAMPLES["visa-help"], signs=["no-such-sign"]))
    assert any("unknown sign id 'no-such-sign'" in m for m in messages(faq))


def test_yaml_syntax_error_names_file_and_line(faq):
    (faq / "topics" / "pay-help.yaml").write_text("id: pay-help\nlangs: [unclosed\n", encoding="utf-8")
    found = messages(faq)
    assert any("topics/pay-help.yaml: line" in m and "YAML syntax error" in m for m in found)


def test_phone_number_in_an_answer_is_flagged(faq):
    data = toy_topic("visa-help", TOY_EXAMPLES["visa-help"])
    data["langs"]["en"]["answer"] = "<b>Call now.</b> +964 770 123 4567"
    write_topic(faq, data)
    assert any("visa-help.en.answer: looks like a phone number" in m for m in messages(faq))


def test_missing_interface_string_is_named(faq):
    path = faq / "strings" / "fr.yaml"
    if not path.exists():
        pytest.skip("no French strings yet")
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("btn_none:")),
                    encoding="utf-8")
    assert any("faq/strings/fr.yaml: btn_none: missing" in m for m in messages(faq))


def test_the_real_content_is_valid():
    from tests.toyfaq import REAL_FAQ

    assert [str(p) for p in check_faq(REAL_FAQ)] == []


def test_a_missing_required_topic_is_named(faq):
    found = [str(p) for p in check_faq(faq, required_topics=("visa-help", "hotline"))]
    assert any("faq/topics/hotline.yaml: hotline: required topic missing" in m for m in found)
    assert not any("visa-help: required" in m for m in found)
