"""The load run of benchmarks/load_run.py at a small size, as a test: the real `scambot run` process, many
distinct users in five languages, questions, offers, buttons and commands. The benchmark size
(python benchmarks/load_run.py --users 2000 --per-user 5) is the same code with bigger numbers."""

from __future__ import annotations

import sys
from collections import Counter

import pytest
from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
import load_run


def test_the_workload_covers_every_language_and_kind_of_message():
    eng = load_run.engine()
    corpus = load_run.Corpus.load(eng.topic_ids, tuple(eng.countries()))
    plans = load_run.make_plans(corpus, users=120, per_user=5)
    assert len({p.user_id for p in plans}) == 120
    assert Counter(p.voice for p in plans) == dict.fromkeys(load_run.VOICES, 20)
    steps = [s for p in plans for s in p.steps]
    assert corpus.questions["ar-latin"] and all(q.isascii() for q in corpus.questions["ar-latin"])
    latin = [s.payload for p in plans if p.voice == "ar-latin" for s in p.steps]
    assert any(text in corpus.questions["ar-latin"] for text in latin)  # Arabic typed in Latin letters
    kinds = {("callback" if s.kind == "callback" else "command" if s.payload.startswith("/") else
              "offer" if s.forwarded or len(s.payload) > 200 else "text") for s in steps}
    assert kinds == {"callback", "command", "offer", "text"}
    assert any(s.payload.startswith("/start src-") or s.payload.startswith("/start lang-") for s in steps)
    assert any(s.subscribes for s in steps) and any(s.may_split for s in steps)
    assert all(len(p.steps) == 5 for p in plans)
    assert load_run.make_plans(corpus, 120, 5) == plans  # the same run every time


@pytest.mark.slow
def test_load_run_every_message_answered_once():
    result = load_run.run_load(users=90, per_user=5, active=45)
    print({k: result[k] for k in load_run.SHOWN})
    assert result["complete"]
    assert result["updates"] == 450
    assert result["unanswered"] == 0
    assert result["duplicates"] == 0
    assert result["rejected"] == []  # every reply passed Telegram's checks
    assert result["group_replies"] == 0  # silent in groups unless addressed
    assert result["inline_unanswered"] == 0 and result["inline_duplicates"] == 0
    assert result["log_error_lines"] == 0 and result["log_tracebacks"] == 0
    assert not result["token_in_log"]
    assert result["bot_alive_at_end"]
    assert result["integrity"] == "ok"
    assert result["stats_total"] == result["stats_expected"]  # each question or check counted exactly once
    assert result["subscribed"] == result["subscribed_expected"]
    assert result["updates_per_s"] > 5  # a floor that only a broken bot misses on this 2-core machine
    assert 0 < result["p50_ms"] <= result["p99_ms"]
    assert 0 < result["peak_memory_mib"] < 1024
