"""The blind scorer counts what the issue asks: answered-right, wrong-confident, out of scope, top-3, calibration."""

from bot.evaluation.blind import evaluate_blind, format_blind_report
from bot.models import MatchResult, TopicScore

ROWS = [
    {"text": "a", "lang": "ar", "dialect": "iraqi", "topics": ["study-offer"]},
    {"text": "b", "lang": "ar", "dialect": "arabizi", "topics": ["job-offer", "money-promises"]},
    {"text": "c", "lang": "ar", "dialect": "arabizi", "topics": ["hotline"]},
    {"text": "d", "lang": "ckb", "dialect": "sorani-plain", "topics": []},
]
RESULTS = {
    "a": MatchResult("ar", True, (TopicScore("study-offer", 45.0),)),  # answered, right
    "b": MatchResult("ar", False, (TopicScore("verify-offer", 30.0), TopicScore("money-promises", 29.0))),
    "c": MatchResult("ar", True, (TopicScore("passport-taken", 35.0),)),  # answered, wrong
    "d": MatchResult("ckb", True, (TopicScore("hotline", 33.0),)),  # out of scope answered
}


def test_figures_per_group_and_overall():
    report = evaluate_blind(RESULTS.__getitem__, ROWS)
    f = report["figures"]
    assert f["all"]["questions"] == 3 and f["all"]["out_of_scope"] == 1
    assert f["all"]["answered_right"] == 1 / 3
    assert f["all"]["wrong_confident"] == 1 / 3
    assert f["all"]["top3"] == 2 / 3  # b's second choice is acceptable
    assert f["all"]["oos_rejected"] == 0.0
    assert f["all"]["answered_precision"] == 1 / 3  # 3 answered (one out of scope), 1 right
    assert f["group:ar-arabizi"]["answered_right"] == 0.0 and f["group:ar-iraqi"]["answered_right"] == 1.0
    assert f["dialect:sorani-plain"]["oos_rejected"] == 0.0
    assert {"want": "hotline", "got": "passport-taken", "count": 1} in report["confusion"]
    band = next(c for c in report["calibration"] if c["score_from"] == 30)
    assert band["answered"] == 2 and band["right"] == 0  # c (wrong) and d (out of scope)
    assert len(report["misses"]) == 3
    text = format_blind_report(report, "t")
    assert "group:ar-arabizi" in text and "answered-right MISSED" in text and "p99" in text
