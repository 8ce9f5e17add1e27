"""Tune the matcher's evidence weights and decision thresholds on a labelled question set.

    python3 benchmarks/tune_matcher.py eval/questions.jsonl [--check eval/questions_fresh.jsonl]
        [--thresholds-only]

Tune on one set, then read the figures on the other: the held-out set is never used to choose anything.
The objective counts a wrong confident answer (or an out-of-scope question answered) as five times worse
than a good answer is good, because a confident wrong answer can send someone into danger; and thresholds
that answer any out-of-scope question, or answer more than 1% wrongly, are not considered at all.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import replace
from pathlib import Path

from bot.config import Config
from bot.content.readmodel import content_from_db, example_rows, open_read_model
from bot.questions.matcher import BACKGROUND, PARTS, Matcher, Weights, decide, names_other_destination, names_scope
from bot.text.normalize import normalize

PENALTY = 5.0
MAX_WRONG = 0.01


def load_matcher() -> Matcher:
    """The matcher alone, as the engine builds it: tuning needs neither the offer checker nor the replies."""
    config = Config.from_env()
    db = open_read_model(config.faq_dir, config.data_dir, config.contacts_override)
    try:
        content, rows = content_from_db(db), example_rows(db)
    finally:
        db.close()
    return Matcher(rows, frozenset(t.id for t in content.topics.values() if t.urgent))


def evidence(matcher: Matcher, rows: list[dict]) -> list[tuple[dict, dict]]:
    """The per-topic evidence parts of every row, computed once (weights only recombine them)."""
    out = []
    for row in rows:
        parts = matcher.evidence(row["text"])[1]
        # The matcher never answers a question about another destination; the tuner must not count it.
        norm = normalize(row["text"])
        row = dict(row, elsewhere=names_other_destination(norm), in_scope=names_scope(norm))
        out.append((row, parts))
    return out


def ranked(parts: dict, w: Weights) -> list[tuple[str, float]]:
    scores = {t: 100.0 * sum(getattr(w, k) * p.get(k, 0.0) for k in PARTS) for t, p in parts.items()}
    return sorted(((t, s) for t, s in scores.items() if t != BACKGROUND), key=lambda kv: -kv[1])[:3]


_SCORE_CACHE: dict[tuple[int, tuple[float, ...]], dict[str, float]] = {}


def _scores(row: dict, parts: dict, w: Weights) -> dict[str, float]:
    """Per-topic scores of one row; cached, since the threshold search recombines the same weights."""
    key = (id(parts), tuple(getattr(w, k) for k in PARTS))
    found = _SCORE_CACHE.get(key)
    if found is None:
        found = {t: 100.0 * sum(getattr(w, k) * p.get(k, 0.0) for k in PARTS) for t, p in parts.items()}
        if len(_SCORE_CACHE) < 2_000_000:
            _SCORE_CACHE[key] = found
    return found


def figures(data: list[tuple[dict, dict]], w: Weights, by_language: bool = False) -> dict:
    """Top-1, right and wrong confident answers, out-of-scope answered; overall or per language."""
    tally: dict[str, dict[str, int]] = {}
    for row, parts in data:
        scores = _scores(row, parts, w)
        top, answered = decide(scores, w, parts)
        answered = answered and not row.get("elsewhere")
        answered = answered and (row.get("in_scope", True) or (bool(top) and top[0][1] >= w.unanchored_min))
        for key in ("all", row.get("lang", "?")) if by_language else ("all",):
            t = tally.setdefault(key, {"n": 0, "top1": 0, "good": 0, "wrong": 0, "oos": 0, "oos_answered": 0})
            if row.get("topic") is None:
                t["oos"] += 1
                t["oos_answered"] += answered
                continue
            hit = bool(top) and top[0][0] == row["topic"]
            t["n"] += 1
            t["top1"] += hit
            t["good"] += answered and hit
            t["wrong"] += answered and not hit
    out = {}
    for key, t in tally.items():
        n = max(t["n"], 1)
        out[key] = {"n": t["n"], "top1": round(t["top1"] / n, 3), "answered_right": round(t["good"] / n, 3),
                    "wrong_confident": round(t["wrong"] / n, 3),
                    "oos_answered": round(t["oos_answered"] / max(t["oos"], 1), 3),
                    "objective": t["good"] - PENALTY * (t["wrong"] + t["oos_answered"])}
    return out if by_language else out.get("all", {"objective": 0.0, "top1": 0.0})


def tune(data: list[tuple[dict, dict]], thresholds_only: bool = False, start: Weights | None = None) -> Weights:
    best_w, best_top1 = start or Weights(), -1.0
    steps = [x / 10 for x in range(0, 11)]
    for knn, centroid, fuzzy in [] if thresholds_only else itertools.product(steps, steps, steps):
        keyword = round(1.0 - knn - centroid - fuzzy, 2)
        if keyword < 0:
            continue
        w = replace(Weights(), knn=knn, centroid=centroid, fuzzy=fuzzy, keyword=keyword)
        top1 = figures(data, replace(w, answer_min=101, sure_score=101))["top1"]
        if top1 > best_top1:
            best_w, best_top1 = w, top1
    best_obj = -1e9
    chosen = best_w
    for answer_min, margin, sure, background in itertools.product(
        range(20, 50, 2), range(0, 12, 2), range(36, 72, 4), (-4, -2, 0, 2, 4, 6, 8)
    ):
        if sure < answer_min:
            continue
        w = replace(best_w, answer_min=float(answer_min), margin_min=float(margin), sure_score=float(sure),
                    background_margin=float(background))
        f = figures(data, w)
        # Hard limits, not trade-offs: no out-of-scope question answered, at most 1% wrong confident answers.
        if f["oos_answered"] > 0 or f["wrong_confident"] > MAX_WRONG:
            continue
        obj = f["objective"]
        if obj > best_obj:
            best_obj, chosen = obj, w
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path, nargs="+")
    parser.add_argument("--check", type=Path, action="append", default=[],
                        help="a held-out set: figures only, never used for choosing (may repeat)")
    parser.add_argument("--thresholds-only", action="store_true", help="keep the evidence weights, tune decisions")
    args = parser.parse_args()
    matcher = load_matcher()
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]  # noqa: E731
    train = evidence(matcher, [row for path in args.train for row in read(path)])
    print("current ", matcher.weights, figures(train, matcher.weights))
    chosen = tune(train, args.thresholds_only, matcher.weights)
    print("tuned   ", chosen, figures(train, chosen))
    for name, w in (("current", matcher.weights), ("tuned", chosen)):
        for lang, f in figures(train, w, by_language=True).items():
            print(f"  train {name:7} {lang:4}", f)
    for path in args.check:
        held = evidence(matcher, read(path))
        for name, w in (("current", matcher.weights), ("tuned", chosen)):
            for lang, f in figures(held, w, by_language=True).items():
                print(f"  {path.name} {name:7} {lang:4}", f)


if __name__ == "__main__":
    main()
