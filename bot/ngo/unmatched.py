"""Grouping the questions the bot could not answer, so NGO volunteers see which new topics are needed.

The queue holds scrubbed questions only (bot/text/scrub.py). Similar questions are grouped greedily: each
question joins the group whose first question is most similar (rapidfuzz token_set_ratio over
normalised text), else starts a new group. Greedy and order-dependent, but predictable, fast enough for
a review queue of thousands (the scorers run in C), and the groups are only a reading aid.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from bot.text.normalize import normalize

DEFAULT_THRESHOLD = 70.0
EXAMPLES = 3
# Scrub placeholders say nothing about the question; left in, they would make unrelated questions similar.
_PLACEHOLDER = re.compile(r"\[(?:link|email|handle|number)\]")


@dataclass
class Group:
    key: str  # the normalised text of the first question: what others are compared with
    count: int = 0
    langs: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    first_day: str = ""
    last_day: str = ""

    def add(self, row: dict) -> None:
        self.count += 1
        self.langs[row.get("lang") or "?"] += 1
        text = row["text"]
        if len(self.examples) < EXAMPLES and text not in self.examples:
            self.examples.append(text)
        day = row.get("day") or ""
        self.first_day = min(self.first_day or day, day)
        self.last_day = max(self.last_day, day)

    def as_dict(self) -> dict:
        return {
            "count": self.count,
            "langs": dict(self.langs.most_common()),
            "examples": self.examples,
            "first_day": self.first_day,
            "last_day": self.last_day,
        }


def comparable(text: str) -> str:
    return normalize(_PLACEHOLDER.sub(" ", text))


def _best_group(text: str, keys: list[str], threshold: float) -> int | None:
    """The index of the most similar group key, or None.

    token_set_ratio scores 100 when one text's words are a subset of the other's, so a one-word
    question ("russia") would swallow every question mentioning Russia: one-word texts only group
    with near-identical text (plain ratio). Both scorers run in rapidfuzz's C code.
    """
    if len(text.split()) < 2:
        best = process.extractOne(text, keys, scorer=fuzz.ratio, score_cutoff=threshold)
        return best[2] if best else None
    for _key, _score, index in process.extract(text, keys, scorer=fuzz.token_set_ratio,
                                               score_cutoff=threshold, limit=None):
        if len(keys[index].split()) >= 2 or fuzz.ratio(text, keys[index]) >= threshold:
            return index
    return None


def group_unanswered(rows: list[dict], threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Groups of similar questions, largest first: {"count", "langs", "examples", "first_day", "last_day"}.

    `rows` are {"text", "lang", "day"} as `State.unanswered()` returns them, oldest first. Each question
    joins the group whose first question is most similar (at least `threshold`), else starts one.
    """
    groups: list[Group] = []
    keys: list[str] = []
    empty: Group | None = None  # questions that were nothing but placeholders
    for row in rows:
        text = comparable(row.get("text") or "")
        if not text:
            if empty is None:
                empty = Group(key="")
                groups.append(empty)
                keys.append("\0")
            empty.add(row)
            continue
        index = _best_group(text, keys, threshold) if keys else None
        if index is None:
            groups.append(Group(key=text))
            keys.append(text)
            index = len(groups) - 1
        groups[index].add(row)
    ordered_groups = sorted(enumerate(groups), key=lambda ig: (-ig[1].count, ig[0]))
    return [group.as_dict() for _, group in ordered_groups]


def groups_text(groups: list[dict], limit: int | None = None) -> str:
    """A readable listing for the terminal."""
    if not groups:
        return "No unanswered questions in the review queue."
    lines = []
    shown = groups[:limit] if limit else groups
    for number, group in enumerate(shown, 1):
        langs = " ".join(f"{lang}:{n}" for lang, n in group["langs"].items())
        lines.append(f"#{number}  {group['count']} question(s)  [{langs}]  {group['first_day']}..{group['last_day']}")
        lines += [f"    - {example}" for example in group["examples"]]
    total = sum(g["count"] for g in groups)
    lines.append(f"{total} question(s) in {len(groups)} group(s)" +
                 (f"; {len(groups) - len(shown)} more group(s) not shown" if len(shown) < len(groups) else ""))
    return "\n".join(lines)
