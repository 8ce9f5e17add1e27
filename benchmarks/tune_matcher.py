"""Tune the matcher's evidence weights and decision thresholds on a labelled question set.

    python3 benchmarks/tune_matcher.py tests/data/questions.jsonl [--check tests/data/questions_holdout.jsonl]

Tune on one set, then read the figures on the other: the held-out set is never used to choose anything.
The objective counts a wrong confident answer (or an out-of-scope question answered) as five times worse
than a good answer is good, because a confident wrong answer can send someone into danger.
"""

from __future__ import annotations

import argparse
import itertools
import json
from dataclasses import replace
from pathlib import Path

from bot.config import Config
from bot.content import contacts_override_path
from bot.matcher import PARTS, Matcher, Weights, names_other_destination
from bot.normalize import normalize
from bot.readmodel import content_from_db, example_rows, open_read_model

PENALTY = 5.0


def load_matcher() -> Matcher:
    """The matcher alone, as the engine builds it: tuning needs neither the offer checker nor the replies."""
    config = Config.from_env()
    db = open_read_model(config.faq_dir, config.data_dir, contacts_override_path(config.data_dir))
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
        row = dict(row, elsewhere=names_other_destination(normalize(row["text"])))
        out.append((row, parts))
    return out


def ranked(parts: dict, w: Weights) -> list[tuple[str, float]]:
    scores = {t: 100.0 * sum(getattr(w, k) * p.get(k, 0.0) for k in PARTS) for t, p in parts.items()}
    return sorted(scores.items(), key=lambda kv: -kv[1])[:3]


def figures(data: list[tuple[dict, dict]], w: Weights) -> dict[str, float]:
    good = wrong = oos = oos_answered = top1 = n = 0
    for row, parts in data:
        top = [(t, s) for t, s in ranked(parts, w) if s >= w.candidate_min]
        best = top[0][1] if top else 0.0
        second = top[1][1] if len(top) > 1 else 0.0
        answered = bool(top) and (best >= w.sure_score or (best >= w.answer_min and best - second >= w.margin_min))
        answered = answered and not row.get("elsewhere")
        if row.get("topic") is None:
            oos += 1
            oos_answered += answered
            continue
        n += 1
        hit = bool(top) and top[0][0] == row["topic"]
        top1 += hit
        good += answered and hit
        wrong += answered and not hit
    return {"n": n, "top1": top1 / max(n, 1), "answered_right": good / max(n, 1), "wrong_confident": wrong / max(n, 1),
            "oos_answered": oos_answered / max(oos, 1), "objective": good - PENALTY * (wrong + oos_answered)}


def tune(data: list[tuple[dict, dict]]) -> Weights:
    best_w, best_top1 = Weights(), -1.0
    steps = [x / 10 for x in range(0, 11)]
    for knn, centroid, fuzzy in itertools.product(steps, steps, steps):
        keyword = round(1.0 - knn - centroid - fuzzy, 2)
        if keyword < 0:
            continue
        w = replace(Weights(), knn=knn, centroid=centroid, fuzzy=fuzzy, keyword=keyword)
        top1 = figures(data, replace(w, answer_min=101, sure_score=101))["top1"]
        if top1 > best_top1:
            best_w, best_top1 = w, top1
    best_obj = -1e9
    chosen = best_w
    for answer_min, margin, sure in itertools.product(range(20, 70, 2), range(0, 20, 2), range(40, 95, 4)):
        if sure < answer_min:
            continue
        w = replace(best_w, answer_min=float(answer_min), margin_min=float(margin), sure_score=float(sure))
        obj = figures(data, w)["objective"]
        if obj > best_obj:
            best_obj, chosen = obj, w
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", type=Path)
    parser.add_argument("--check", type=Path, help="a held-out set: figures only, never used for choosing")
    args = parser.parse_args()
    matcher = load_matcher()
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]  # noqa: E731
    train = evidence(matcher, read(args.train))
    print("current ", matcher.weights, figures(train, matcher.weights))
    chosen = tune(train)
    print("tuned   ", chosen, figures(train, chosen))
    if args.check:
        held = evidence(matcher, read(args.check))
        print("held-out current", figures(held, matcher.weights))
        print("held-out tuned  ", figures(held, chosen))


if __name__ == "__main__":
    main()
