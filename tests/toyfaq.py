"""A small, valid `faq/` built in a temporary folder, for tests that must not depend on the real content."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from bot.models import LANGUAGES

REAL_FAQ = Path(__file__).resolve().parent.parent / "faq"

TOY_EXAMPLES = {
    "visa-help": [f"visa question number {n} about the embassy" for n in range(12)],
    "pay-help": [f"salary question {n} about money per month" for n in range(12)],
}


def toy_topic(topic_id: str, examples: list[str], **extra) -> dict:
    langs = {
        lang: {
            "title": f"{topic_id} {lang}",
            "answer": f"<b>Do not pay yet.</b>\n• a fact about {topic_id}\nHelp: /hotline",
            "examples": [f"{lang} {e}" for e in examples],
            "keywords": [topic_id.split("-")[0]],
        }
        for lang in LANGUAGES
    }
    data = {"id": topic_id, "urgent": False, "signs": [], "related": [], "contacts": ["iq-hotline"],
            "sources": ["8"], "langs": langs}
    data.update(extra)
    return data


def write_toy_faq(root: Path) -> Path:
    """Copy the real strings, contacts, sources and signs; write two toy topics. Returns the faq folder."""
    faq = root / "faq"
    (faq / "topics").mkdir(parents=True)
    shutil.copytree(REAL_FAQ / "strings", faq / "strings")
    for name in ("contacts.yaml", "sources.yaml", "signs.yaml"):
        if (REAL_FAQ / name).is_file():
            shutil.copy(REAL_FAQ / name, faq / name)
    for topic_id, examples in TOY_EXAMPLES.items():
        write_topic(faq, toy_topic(topic_id, examples))
    return faq


def write_topic(faq: Path, data: dict) -> Path:
    path = faq / "topics" / f"{data['id']}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
