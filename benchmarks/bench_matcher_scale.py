"""Time per match with today's content and with five times the example questions (issue 13).

Run: python benchmarks/bench_matcher_scale.py [--rounds 3]

In one process: the matcher as the bot uses it (Weights(), the baseline), the same with the classifier blend
(CLASSIFIER_BLEND), and a matcher built from five times the examples (each example four more times, its words
rotated and one letter doubled, so that the copies are distinct texts as new volunteers' examples would be).
Queries: the blind dev questions (eval/blind/questions_dev.jsonl). Median and p99 in ms, each the median of
`--rounds` rounds, and their ratio to the baseline of the same run; also the build time of each matcher.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.tune_matcher import load_matcher  # noqa: E402
from bot.config import Config  # noqa: E402
from bot.content.readmodel import content_from_db, example_rows, open_read_model  # noqa: E402
from bot.questions.matcher import CLASSIFIER_BLEND, Matcher, Weights  # noqa: E402


def rows_and_urgent() -> tuple[list[dict], frozenset[str]]:
    config = Config.from_env()
    db = open_read_model(config.faq_dir, config.data_dir, config.contacts_override)
    try:
        content, rows = content_from_db(db), example_rows(db)
    finally:
        db.close()
    return rows, frozenset(t.id for t in content.topics.values() if t.urgent)


def five_times(rows: list[dict]) -> list[dict]:
    out = list(rows)
    for copy in range(1, 5):
        for row in rows:
            if row.get("kind") != "example":
                continue
            words = (row.get("text") or "").split()
            if not words:
                continue
            shift = copy % len(words)
            rotated = words[shift:] + words[:shift]
            i = copy % len(rotated)
            word = rotated[i]
            rotated[i] = word + word[-1]
            out.append(dict(row, text=" ".join(rotated)))
    return out


def timings(matcher: Matcher, queries: list[str]) -> tuple[float, float]:
    values = []
    for q in queries:
        start = time.perf_counter()
        matcher.match(q)
        values.append((time.perf_counter() - start) * 1000.0)
    values.sort()
    return statistics.median(values), values[min(len(values) - 1, int(0.99 * len(values)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    queries = [json.loads(line)["text"] for line in (ROOT / "eval/blind/questions_dev.jsonl").open(encoding="utf-8")]
    rows, urgent = rows_and_urgent()
    started = time.perf_counter()
    baseline = load_matcher()
    built = {"today": time.perf_counter() - started}
    blend = Matcher(rows, urgent, CLASSIFIER_BLEND)
    started = time.perf_counter()
    big = Matcher(five_times(rows), urgent, Weights())
    built["5x"] = time.perf_counter() - started
    results: dict[str, list[tuple[float, float]]] = {"today": [], "classifier blend": [], "5x content": []}
    for _ in range(args.rounds):
        results["today"].append(timings(baseline, queries))
        results["classifier blend"].append(timings(blend, queries))
        results["5x content"].append(timings(big, queries))
    base_median = statistics.median(m for m, _ in results["today"])
    base_p99 = statistics.median(p for _, p in results["today"])
    print(f"{len(queries)} queries, {len(rows)} content rows (5x: {len(five_times(rows))}), "
          f"build today {built['today']:.1f} s, 5x {built['5x']:.1f} s")
    for name, values in results.items():
        median = statistics.median(m for m, _ in values)
        p99 = statistics.median(p for _, p in values)
        print(f"{name:17} median {median:6.2f} ms ({median / base_median:4.2f}x)  p99 {p99:6.2f} ms "
              f"({p99 / base_p99:4.2f}x)")


if __name__ == "__main__":
    main()
