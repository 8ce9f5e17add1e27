"""Fit the learned decision to answer (bot/questions/decision.py) on the dev half of the blind questions.

    python3 benchmarks/fit_decision.py [--write]

Reads only eval/blind/questions_dev.jsonl (the test half is for `scambot eval --blind test`). Each question
gives the decision's features from today's evidence and a label: 1 when the best-ranked topic is acceptable,
0 otherwise (out-of-scope questions are always 0: answering them is wrong). An L2-penalised logistic model is
fitted by Newton's method (deterministic). The threshold is the lowest probability at which the dev answers are
right >= 97% (out-of-scope answers counted as wrong) and out-of-scope questions are rejected >= 95%, with a
5-fold check inside the dev half so the printed figures are not the fit's own. --write puts the coefficients
and threshold into bot/questions/decision.py.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.tune_matcher import load_matcher
from bot.questions import decision
from bot.questions.matcher import MAX_QUERY_CHARS, combine, decision_inputs
from bot.text.normalize import normalize

DEV = Path(__file__).resolve().parents[1] / "eval" / "blind" / "questions_dev.jsonl"
L2 = 1.0
MIN_PRECISION = 0.97
MIN_OOS_REJECTED = 0.95


def dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    matcher = load_matcher()
    xs, ys, oos = [], [], []
    for line in DEV.open(encoding="utf-8"):
        row = json.loads(line)
        _, parts = matcher.evidence(row["text"])
        norm = normalize(row["text"][: MAX_QUERY_CHARS * 4])
        values = decision_inputs(parts, matcher.weights, norm) if parts else None
        ranked = sorted(((t, combine(p, matcher.weights)) for t, p in parts.items() if t != "_background"),
                        key=lambda kv: (-kv[1], kv[0]))
        right = bool(ranked) and ranked[0][0] in row["topics"] and ranked[0][1] >= matcher.weights.candidate_min
        xs.append([values[f] for f in decision.FEATURES] if values else [1.0] + [0.0] * (len(decision.FEATURES) - 1))
        ys.append(1.0 if right else 0.0)
        oos.append(not row["topics"])
    return np.array(xs), np.array(ys), np.array(oos)


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    beta = np.zeros(x.shape[1])
    penalty = L2 * np.eye(x.shape[1])
    penalty[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (p - y) + penalty @ beta
        hess = (x.T * (p * (1 - p))) @ x + penalty
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return beta


def figures(p: np.ndarray, y: np.ndarray, oos: np.ndarray, threshold: float) -> dict:
    answered = p >= threshold
    n_in = (~oos).sum()
    return {"answered_right": float((answered & (y == 1)).sum() / n_in),
            "precision": float((answered & (y == 1)).sum() / max(1, answered.sum())),
            "oos_rejected": float((~answered & oos).sum() / max(1, oos.sum()))}


def choose_threshold(p: np.ndarray, y: np.ndarray, oos: np.ndarray) -> float:
    for threshold in np.arange(0.30, 0.995, 0.01):
        f = figures(p, y, oos, threshold)
        if f["precision"] >= MIN_PRECISION and f["oos_rejected"] >= MIN_OOS_REJECTED:
            return round(float(threshold), 2)
    return 0.99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    x, y, oos = dataset()
    # 5 folds inside the dev half: the figures printed are on questions the fit did not see.
    held = np.zeros(len(y))
    folds = np.arange(len(y)) % 5
    for k in range(5):
        beta = fit(x[folds != k], y[folds != k])
        held[folds == k] = 1.0 / (1.0 + np.exp(-(x[folds == k] @ beta)))
    threshold = choose_threshold(held, y, oos)
    beta = fit(x, y)
    print("held-out folds at the chosen threshold", threshold, figures(held, y, oos, threshold))
    coefficients = {f: round(float(b), 3) for f, b in zip(decision.FEATURES, beta, strict=True)}
    print("coefficients", coefficients)
    if args.write:
        path = Path(decision.__file__)
        text = path.read_text(encoding="utf-8")
        body = "".join(f'    "{k}": {v},\n' for k, v in coefficients.items())
        text = re.sub(r"COEFFICIENTS: dict\[str, float\] = \{.*?\}\n", "COEFFICIENTS: dict[str, float] = {\n"
                      + body + "}\n", text, flags=re.S)
        text = re.sub(r"THRESHOLD = [0-9.]+", f"THRESHOLD = {threshold}", text)
        path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
