"""Benchmark of the answer engine (a script, not a test): latency, accuracy, start-up time and memory.

Run: python benchmarks/bench_engine.py [--rounds 5]

Reports, in one run and one process, the engine beside a naive baseline (rapidfuzz process.extractOne
with WRatio over the same example questions): median and p99 latency per query, their ratio, and top-1
accuracy on the labelled questions. Start-up (process start to the first answer) and peak memory are
measured in fresh subprocesses. Machines here are noisy: every figure is the median of several rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config  # noqa: E402
from bot.engine import Engine  # noqa: E402
from bot.evaluation.questions import read_jsonl  # noqa: E402
from bot.text.normalize import normalize  # noqa: E402

STARTUP_SNIPPET = (
    "import resource, time; t0 = time.perf_counter();"
    "from bot.config import Config; from bot.engine import Engine; e = Engine.load(Config.from_env());"
    "e.respond('they offered me a scholarship in Moscow with a salary, is it safe?');"
    "print(time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def time_each(fn, texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        start = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--questions", type=Path, nargs="+", default=None,
                        help="labelled question sets to time (default: every eval/questions*.jsonl)")
    args = parser.parse_args()

    engine = Engine.load(Config.from_env())
    paths = args.questions or sorted(Config.from_env().eval_dir.glob("questions*.jsonl"))
    rows = [r for path in paths for r in read_jsonl(path)]
    texts = [r["text"] for r in rows]
    examples = [(t.id, e) for t in engine.content.topics.values() for entry in t.langs.values() for e in entry.examples]
    choices = [normalize(e) for _, e in examples]
    owners = [topic for topic, _ in examples]

    def baseline(text: str) -> str | None:
        found = process.extractOne(normalize(text), choices, scorer=fuzz.WRatio)
        return owners[found[2]] if found else None

    engine_medians, engine_p99s, base_medians, base_p99s = [], [], [], []
    for _ in range(args.rounds):
        e = time_each(engine.match, texts)
        b = time_each(baseline, texts)
        engine_medians.append(statistics.median(e))
        engine_p99s.append(percentile(e, 0.99))
        base_medians.append(statistics.median(b))
        base_p99s.append(percentile(b, 0.99))

    labelled = [r for r in rows if r.get("topic")]
    engine_top1 = sum(
        bool(m.topics) and m.topics[0].id == r["topic"] for r, m in ((r, engine.match(r["text"])) for r in labelled)
    ) / max(1, len(labelled))
    base_top1 = sum(baseline(r["text"]) == r["topic"] for r in labelled) / max(1, len(labelled))

    starts, memories = [], []
    for _ in range(args.rounds):
        out = subprocess.run(
            [sys.executable, "-c", STARTUP_SNIPPET], cwd=ROOT, capture_output=True, text=True, check=True
        )
        seconds, megabytes = (float(x) for x in out.stdout.split())
        starts.append(seconds)
        memories.append(megabytes)

    report = {
        "examples_loaded": len(examples),
        "queries": len(texts),
        "engine_median_ms": round(statistics.median(engine_medians), 3),
        "engine_p99_ms": round(statistics.median(engine_p99s), 3),
        "baseline_median_ms": round(statistics.median(base_medians), 3),
        "baseline_p99_ms": round(statistics.median(base_p99s), 3),
        "median_ratio_engine_to_baseline": round(
            statistics.median(engine_medians) / statistics.median(base_medians), 2
        ),
        "engine_top1": round(engine_top1, 3),
        "baseline_top1": round(base_top1, 3),
        "startup_to_first_answer_s": round(statistics.median(starts), 3),
        "peak_memory_mb": round(statistics.median(memories), 1),
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
