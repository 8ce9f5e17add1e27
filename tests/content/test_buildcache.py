"""The start-up caches: the matcher's built indexes (signed pickle) and what parsing sign patterns told."""

from __future__ import annotations

import json
import os

import pytest
from conftest import ROOT

import bot.offers.checker as checker
from bot.config import Config
from bot.content.buildcache import cached, fingerprint
from bot.engine import Engine
from bot.offers.checker import SignCatalogue, check_offer

FAQ_DIR = ROOT / "faq"

KEY = b"k" * 32
TRIGGERED: list[str] = []


class Booby:
    """Unpickling this records it: a cache file must never be unpickled unless signed with our key."""

    def __reduce__(self):
        return (TRIGGERED.append, ("unpickled",))


def test_built_once_then_read_back(tmp_path):
    calls = []
    build = lambda: calls.append(1) or {"index": [1, 2, 3]}  # noqa: E731
    first = cached(tmp_path / "m.pickle", KEY, "v1", build)
    second = cached(tmp_path / "m.pickle", KEY, "v1", build)
    assert first == second == {"index": [1, 2, 3]} and len(calls) == 1


def test_other_inputs_or_code_rebuild(tmp_path):
    cached(tmp_path / "m.pickle", KEY, fingerprint([b"rows v1"]), lambda: "old")
    assert cached(tmp_path / "m.pickle", KEY, fingerprint([b"rows v2"]), lambda: "new") == "new"


def test_a_file_not_signed_with_our_key_is_never_unpickled(tmp_path):
    path = tmp_path / "m.pickle"
    cached(path, b"another deployment's key", "v1", lambda: Booby())
    TRIGGERED.clear()
    assert cached(path, KEY, "v1", lambda: "rebuilt") == "rebuilt"
    assert TRIGGERED == []
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1  # tampered after signing
    path.write_bytes(bytes(blob))
    assert cached(path, KEY, "v1", lambda: "again") == "again"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_an_unwritable_directory_still_builds(tmp_path):
    tmp_path.chmod(0o500)
    try:
        assert cached(tmp_path / "sub" / "m.pickle", KEY, "v1", lambda: 42) == 42
    finally:
        tmp_path.chmod(0o700)


def test_a_missing_key_means_no_cache(tmp_path):
    assert cached(tmp_path / "m.pickle", None, "v1", lambda: 7) == 7
    assert not (tmp_path / "m.pickle").exists()


def test_the_engine_from_its_cache_answers_like_a_fresh_build(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SCAMBOT_FAQ_DIR", str(FAQ_DIR))
    fresh = Engine.load(Config.from_env())
    assert (tmp_path / "cache" / "matcher.pickle").is_file()
    again = Engine.load(Config.from_env())
    for text in ("they offered me a scholarship in Moscow with a salary, is it safe?", "جوازي عدهم",
                 "3ndi 3ard shughul b rusia", "how to cook borscht"):
        assert again.match(text) == fresh.match(text)


def test_sign_pattern_facts_are_kept_and_reused(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    SignCatalogue.load(FAQ_DIR / "signs.yaml", cache_dir=cache)
    stored = json.loads((cache / "sign-patterns.json").read_text(encoding="utf-8"))
    assert len(stored["facts"]) > 500
    checker._FACTS.clear()
    parsed = []
    real = checker._dispatch_prefixes_now
    monkeypatch.setattr(checker, "_dispatch_prefixes_now", lambda p: parsed.append(p) or real(p))
    catalogue = SignCatalogue.load(FAQ_DIR / "signs.yaml", cache_dir=cache)
    assert parsed == []  # every pattern's start was read from the file
    assert check_offer("контракт с Министерством обороны", catalogue).risk == "high"


def test_short_and_long_texts_are_read_alike(monkeypatch):
    # Short texts are read word by word, long ones with the one big regex: the same signs either way.
    catalogue = SignCatalogue.load(FAQ_DIR / "signs.yaml")
    texts = [
        "Work in Russia as a guard at a military unit, $2,500 a month, free ticket, contact on WhatsApp only.",
        "Набор в добровольческий отряд, единовременная выплата 400 000 руб, паспорт останется у куратора.",
        "فرصة عمل في روسيا براتب 3000 دولار شهرياً والسفر عن طريق دبي، التواصل عالخاص فقط",
        "University of Lyon: apply on the official portal, no agency fees.",
    ]
    def read(threshold: int) -> list[tuple[str, tuple[str, ...]]]:
        monkeypatch.setattr(checker, "SCAN_EVERY_WORD_BELOW", threshold)
        return [(r.risk, tuple(sorted(h.id for h in r.signs))) for r in (check_offer(t, catalogue) for t in texts)]
    assert read(0) == read(10**9)
