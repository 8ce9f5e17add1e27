"""The compiled read model: built from faq/, rebuilt by itself when a file changes, never half-written."""

from __future__ import annotations

import os

import pytest

from bot.content.load import ContentError
from bot.content.readmodel import DB_NAME, content_from_db, example_rows, open_read_model
from tests.toyfaq import TOY_EXAMPLES, toy_topic, write_topic, write_toy_faq


@pytest.fixture()
def faq(tmp_path):
    return write_toy_faq(tmp_path)


def test_compiles_topics_examples_and_normal_forms(faq, tmp_path):
    db = open_read_model(faq, tmp_path / "data", None)
    content = content_from_db(db)
    assert set(content.topics) == set(TOY_EXAMPLES)
    rows = example_rows(db)
    assert {r["lang"] for r in rows} == {"ar", "ckb", "en", "fr", "ru"}
    example = next(r for r in rows if r["topic"] == "visa-help" and r["lang"] == "en" and r["kind"] == "example")
    assert example["norm"] == example["text"].lower()
    assert (tmp_path / "data" / DB_NAME).is_file()


def test_recompiles_when_a_content_file_changes(faq, tmp_path):
    data_dir = tmp_path / "data"
    open_read_model(faq, data_dir, None).close()
    first_mtime = os.stat(data_dir / DB_NAME).st_mtime_ns
    open_read_model(faq, data_dir, None).close()
    assert os.stat(data_dir / DB_NAME).st_mtime_ns == first_mtime  # unchanged content: reused as is

    changed = toy_topic("visa-help", TOY_EXAMPLES["visa-help"])
    changed["langs"]["en"]["title"] = "Visa, changed"
    write_topic(faq, changed)
    db = open_read_model(faq, data_dir, None)
    assert content_from_db(db).topics["visa-help"].langs["en"].title == "Visa, changed"


def test_broken_content_raises_with_file_and_line(faq, tmp_path):
    (faq / "topics" / "pay-help.yaml").write_text("id: pay-help\nlangs: {en: [\n", encoding="utf-8")
    with pytest.raises(ContentError) as raised:
        open_read_model(faq, tmp_path / "data", None)
    assert "pay-help.yaml" in str(raised.value) and "line" in str(raised.value)


def test_read_only_data_dir_compiles_in_memory(faq, tmp_path):
    data_dir = tmp_path / "ro"
    data_dir.mkdir()
    data_dir.chmod(0o500)
    try:
        if os.access(data_dir, os.W_OK):  # running as root: permissions do not bind
            pytest.skip("cannot make a read-only folder as this user")
        db = open_read_model(faq, data_dir, None)
        assert set(content_from_db(db).topics) == set(TOY_EXAMPLES)
    finally:
        data_dir.chmod(0o700)


def test_deployer_override_replaces_a_contact(faq, tmp_path):
    override = tmp_path / "contacts.yaml"
    override.write_text(
        "- id: iq-hotline\n  value: '5555'\n  verified: true\n  name: {en: Deployer line}\n", encoding="utf-8"
    )
    content = content_from_db(open_read_model(faq, tmp_path / "data", override))
    contact = content.contacts["iq-hotline"]
    assert contact.value == "5555" and contact.from_deployer and contact.name["en"] == "Deployer line"
