"""The offer checker measured on labelled offers (`scambot eval`, eval/offers*.jsonl).

Rows: {"text", "lang", "risk": "high|medium|low", "signs": [ids], "legit": bool}. What matters most, in
order: an offer labelled high is rated high (someone's life may depend on it); a legitimate text is never
rated high and rarely medium (a checker that cries wolf is ignored); then the signs themselves.

The sets: offers.jsonl and offers_dev.jsonl were used to write the catalogue; offers_fresh.jsonl was written
afterwards in new words (synonyms, dialect, slang, inflection, other amounts) to measure how the catalogue
generalises, and offers_holdout.jsonl is kept unseen. News reports are labelled low there; the checker rates
them at most medium by design (the signs they quote are listed), which counts against "legit medium".
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from bot.models import LANGUAGES, CheckResult

TARGETS = {"high_recall": 0.95, "legit_high": 0, "legit_medium": 0.10, "sign_recall": 0.90, "sign_precision": 0.85}
MISS_TEXT_CHARS = 90


def _read_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _empty_tally() -> dict[str, int]:
    return defaultdict(int)


def evaluate_checker(check: Callable[[str], CheckResult], path: Path) -> dict:
    """Figures overall ("all") and per language, plus the rows the checker got wrong."""
    tally: dict[str, dict[str, int]] = defaultdict(_empty_tally)
    misses: list[dict] = []
    for row in _read_rows(path):
        result = check(row["text"])
        got = {hit.id for hit in result.signs}
        want = set(row.get("signs") or ())
        for key in (row.get("lang", "?"), "all"):
            _count(tally[key], row, result, got, want)
        if result.risk != row["risk"] or got != want:
            misses.append({
                "text": row["text"], "lang": row.get("lang"), "want_risk": row["risk"], "got_risk": result.risk,
                "missing": sorted(want - got), "extra": sorted(got - want), "legit": bool(row.get("legit")),
            })
    figures = {key: _figures(t) for key, t in tally.items()}
    return {"by_language": figures, "misses": misses}


def _count(t: dict[str, int], row: dict, result: CheckResult, got: set[str], want: set[str]) -> None:
    t["rows"] += 1
    t["risk_ok"] += result.risk == row["risk"]
    if row["risk"] == "high":
        t["high"] += 1
        t["high_found"] += result.risk == "high"
    if row.get("legit"):
        t["legit"] += 1
        t["legit_high"] += result.risk == "high"
        t["legit_medium"] += result.risk == "medium"
    t["tp"] += len(got & want)
    t["fp"] += len(got - want)
    t["fn"] += len(want - got)


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _figures(t: dict[str, int]) -> dict:
    return {
        "rows": t["rows"],
        "risk_accuracy": _ratio(t["risk_ok"], t["rows"]),
        "high_rows": t["high"],
        "high_recall": _ratio(t["high_found"], t["high"]),
        "legit_rows": t["legit"],
        "legit_high": t["legit_high"],
        "legit_medium": _ratio(t["legit_medium"], t["legit"]),
        "sign_precision": _ratio(t["tp"], t["tp"] + t["fp"]),
        "sign_recall": _ratio(t["tp"], t["tp"] + t["fn"]),
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def verdicts(overall: dict) -> list[tuple[str, bool]]:
    return [
        ("high recall", (overall.get("high_recall") or 0) >= TARGETS["high_recall"]),
        ("legit high", overall.get("legit_high", 1) <= TARGETS["legit_high"]),
        ("legit medium", (overall.get("legit_medium") or 0) <= TARGETS["legit_medium"]),
        ("sign recall", (overall.get("sign_recall") or 0) >= TARGETS["sign_recall"]),
        ("sign precision", (overall.get("sign_precision") or 0) >= TARGETS["sign_precision"]),
    ]


def format_checker_report(figures: dict) -> str:
    """A table per language, the targets met or MISSED, then every miss (shortened)."""
    by_lang = figures["by_language"]
    lines = [f"{'lang':5} {'rows':>4} {'risk-ok':>7} {'high':>4} {'high-rec':>8} {'legit':>5} {'leg-high':>8} "
             f"{'leg-med':>7} {'sign-P':>7} {'sign-R':>7}"]
    order = [lang for lang in LANGUAGES if lang in by_lang] + [k for k in by_lang if k not in LANGUAGES and k != "all"]
    for key in [*order, "all"]:
        f = by_lang.get(key)
        if not f:
            continue
        lines.append(f"{key:5} {f['rows']:>4} {_pct(f['risk_accuracy']):>7} {f['high_rows']:>4} "
                     f"{_pct(f['high_recall']):>8} {f['legit_rows']:>5} {f['legit_high']:>8} "
                     f"{_pct(f['legit_medium']):>7} {_pct(f['sign_precision']):>7} {_pct(f['sign_recall']):>7}")
    lines.append("targets: " + ", ".join(f"{name} {'met' if ok else 'MISSED'}"
                                         for name, ok in verdicts(by_lang.get("all", {}))))
    if figures["misses"]:
        lines.append(f"misses ({len(figures['misses'])}):")
    for miss in figures["misses"]:
        text = " ".join(miss["text"].split())
        if len(text) > MISS_TEXT_CHARS:
            text = text[: MISS_TEXT_CHARS - 1] + "…"
        detail = [f"risk {miss['want_risk']}->{miss['got_risk']}" if miss["want_risk"] != miss["got_risk"] else ""]
        detail += [f"missing {','.join(miss['missing'])}" if miss["missing"] else ""]
        detail += [f"extra {','.join(miss['extra'])}" if miss["extra"] else ""]
        legit = " legit" if miss["legit"] else ""
        lines.append(f"  [{miss['lang']}{legit}] {'; '.join(d for d in detail if d)}: {text}")
    return "\n".join(lines)
