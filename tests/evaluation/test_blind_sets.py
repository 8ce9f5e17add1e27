"""The blind evaluation sets are frozen: measured on, never edited (eval/blind/README.md)."""

import hashlib
import json
from pathlib import Path

import pytest

BLIND = Path(__file__).resolve().parents[2] / "eval" / "blind"
FROZEN = {
    "questions_dev.jsonl": "defc258031eaf9a45a2d41cd3ce3b560a1ffd997855d8809cef27f9282e3ae42",
    "questions_test.jsonl": "6a3a9e3d0bda62a49b4b1e84ffa33bf0a7bb3e38fed8704fb99af71c4d38e921",
    "offers_dev.jsonl": "fb71b53fc53bd3a454dbf3d699ffd4dcf5de8e86c1ff19aaf088b7979236458b",
    "offers_test.jsonl": "8ffcc39a11f5d75f494ab4b3793f69166075de87ff575e39bd32fef6ca4678a8",
}


@pytest.mark.parametrize("name", sorted(FROZEN))
def test_a_blind_set_is_unchanged(name):
    assert hashlib.sha256((BLIND / name).read_bytes()).hexdigest() == FROZEN[name]


def test_the_halves_share_no_question_and_no_example_of_faq():
    dev = {json.loads(line)["text"] for line in (BLIND / "questions_dev.jsonl").open(encoding="utf-8")}
    test = {json.loads(line)["text"] for line in (BLIND / "questions_test.jsonl").open(encoding="utf-8")}
    assert len(dev) == len(test) == 345 and not dev & test
    import yaml

    faq = Path(__file__).resolve().parents[2] / "faq" / "topics"
    examples = {e for path in faq.glob("*.yaml")
                for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["langs"].values()
                for e in entry.get("examples") or ()}
    assert not (dev | test) & examples, "a blind question was copied into faq/: the matcher would learn the test"
