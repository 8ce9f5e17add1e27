"""Measuring quality on labelled sets (`scambot eval`): the matcher's answers and the offer checker's risks."""

from bot.evaluation.offers import evaluate_checker, format_checker_report
from bot.evaluation.questions import evaluate_matcher, format_matcher_report, read_jsonl, run_evaluation

__all__ = ["evaluate_checker", "evaluate_matcher", "format_checker_report", "format_matcher_report", "read_jsonl",
           "run_evaluation"]
