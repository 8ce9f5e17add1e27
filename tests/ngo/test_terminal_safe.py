"""Every NGO command that prints user-derived text shows invisible characters as escapes, never obeys them
(issue 19, finding 5): a user could retitle an NGO worker's terminal, colour or erase lines, or fake a listing.

The rows are written straight into the database, as a database from before the scrubber removed them has them."""

from __future__ import annotations

import json
import unicodedata

import pytest
from click.testing import CliRunner

from bot.cli.core import main
from bot.state.store import State

KEY = "a-test-key-of-at-least-32-bytes!!"
TRICK = "\x1b]0;all clear\x07\x1b[2K\x1b[1A\u202eFAKE\u202c\x00\x9b2J\u200b"


def invisible_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


@pytest.fixture()
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCAMBOT_HASH_KEY", KEY)
    state = State.open(tmp_path, key=KEY.encode())
    with state.db.conn:
        for _ in range(6):
            state.db.execute("insert into unanswered (day, lang, text) values (date('now'), 'en', ?)",
                             [f"what about the army{TRICK} contract"])
            state.db.execute("insert into counters (day, metric, key, n) values (date('now'), 'source', ?, 7) "
                             "on conflict(day, metric, key) do update set n = n + 7", [f"poster{TRICK}"])
    state.close()
    return tmp_path


@pytest.mark.parametrize("args", [["unmatched"], ["stats"]])
def test_listings_show_invisible_characters_as_escapes(data, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert invisible_in(result.stdout) == []
    assert "\\x1b]0;all clear\\x07" in result.stdout and "\\u202eFAKE\\u202c" in result.stdout


@pytest.mark.parametrize("args, figure", [(["unmatched", "--jsonl"], None),
                                         (["stats", "--json"], "questions_by_source")])
def test_json_output_escapes_them_too_and_still_reads_back_as_the_same_text(data, args, figure):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert invisible_in(result.stdout) == []
    if figure is None:
        [group] = [json.loads(line) for line in result.stdout.splitlines()]
        assert group["examples"] == [f"what about the army{TRICK} contract"]
    else:
        assert repr(f"poster{TRICK}") in repr(json.loads(result.stdout)[figure])
