"""`scambot eval`: quality measured on the labelled sets in eval/ (Config.eval_dir).

Matching: top-1 and top-3 accuracy per language and overall, out-of-scope rejection, and the figure that
matters most for safety: confident answers that are wrong. The offer checker's figures come from
bot/evaluation/offers.py.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bot.models import LANGUAGES, MatchResult

TARGETS = {"top1": 0.90, "top3": 0.97, "oos_rejected": 0.90, "language_top1": 0.85}


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def evaluate_matcher(match: Callable[[str], MatchResult], rows: list[dict]) -> dict:
    """Figures per language and overall; `rows` are {"text", "lang", "topic" (None: out of scope)}."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[dict] = []
    for row in rows:
        result = match(row["text"])
        ids = [t.id for t in result.topics]
        for key in (row["lang"], "all"):
            t = tally[key]
            if row.get("topic") is None:
                t["oos"] += 1
                t["oos_rejected"] += not result.answered
            else:
                t["n"] += 1
                t["top1"] += bool(ids) and ids[0] == row["topic"]
                t["top3"] += row["topic"] in ids
                t["answered"] += result.answered
                t["wrong_confident"] += result.answered and ids[0] != row["topic"]
                t["lang_ok"] += result.lang == row["lang"]
        if (row.get("topic") is None and result.answered) or (row.get("topic") and (not ids or ids[0] != row["topic"])):
            misses.append({"text": row["text"], "lang": row["lang"], "want": row.get("topic"), "got": ids[:3],
                           "answered": result.answered})
    report = {}
    for key, t in tally.items():
        n, oos = t["n"] or 1, t["oos"] or 1
        report[key] = {
            "questions": t["n"], "top1": t["top1"] / n, "top3": t["top3"] / n, "answered": t["answered"] / n,
            "wrong_confident": t["wrong_confident"] / n, "language_detected": t["lang_ok"] / n,
            "out_of_scope": t["oos"], "oos_rejected": t["oos_rejected"] / oos if t["oos"] else None,
        }
    return {"by_language": report, "misses": misses}


def format_matcher_report(report: dict, title: str) -> str:
    lines = [f"Matching: {title}",
             f"{'lang':5} {'n':>4} {'top1':>6} {'top3':>6} {'answered':>8} {'wrong!':>6} {'lang-id':>7} {'oos':>4} "
             f"{'oos-rej':>7}"]
    order = [lang for lang in LANGUAGES if lang in report["by_language"]] + ["all"]
    for key in order:
        r = report["by_language"].get(key)
        if not r:
            continue
        oos = "-" if r["oos_rejected"] is None else f"{r['oos_rejected']:.1%}"
        lines.append(f"{key:5} {r['questions']:>4} {r['top1']:>6.1%} {r['top3']:>6.1%} {r['answered']:>8.1%} "
                     f"{r['wrong_confident']:>6.1%} {r['language_detected']:>7.1%} {r['out_of_scope']:>4} {oos:>7}")
    overall = report["by_language"].get("all", {})
    worst = min((report["by_language"][lang]["top1"] for lang in LANGUAGES if lang in report["by_language"]),
                default=0.0)
    verdicts = [
        ("top1", overall.get("top1", 0) >= TARGETS["top1"]),
        ("top3", overall.get("top3", 0) >= TARGETS["top3"]),
        ("oos", (overall.get("oos_rejected") or 0) >= TARGETS["oos_rejected"]),
        ("every language top1", worst >= TARGETS["language_top1"]),
    ]
    lines.append("targets: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}" for name, ok in verdicts))
    return "\n".join(lines)


def run_evaluation(engine, questions: Path | None, offers: Path | None, sets_dir: Path) -> tuple[dict, str]:
    """Every labelled set found (or given), as figures and as text."""
    report: dict = {}
    texts: list[str] = []
    question_sets = [questions] if questions else sorted(sets_dir.glob("questions*.jsonl"))
    for path in question_sets:
        if path and path.is_file():
            result = evaluate_matcher(engine.match, read_jsonl(path))
            report[path.name] = result["by_language"]
            texts.append(format_matcher_report(result, path.name))
    offer_sets = [offers] if offers else sorted(sets_dir.glob("offers*.jsonl"))
    from bot.evaluation.offers import evaluate_checker, format_checker_report

    for path in offer_sets:
        if path and path.is_file():
            figures = evaluate_checker(engine.check, path)
            report[path.name] = figures
            texts.append(f"Offer checker: {path.name}\n" + format_checker_report(figures))
    if not texts:
        texts.append(f"No labelled sets found in {sets_dir}")
    return report, "\n\n".join(texts)
