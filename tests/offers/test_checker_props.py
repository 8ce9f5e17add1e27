"""Properties of the offer checker that must hold for ANY input a user can paste."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import RISK_LEVELS
from bot.offers.amounts import find_amounts
from bot.offers.checker import SignCatalogue, check_offer, fold_offsets
from bot.text.normalize import fold_with_offsets

FAQ = Path(__file__).resolve().parents[2] / "faq"
CATALOGUE = SignCatalogue.load(FAQ / "signs.yaml")

# Words that raise signs, mixed with anything: the properties are tested where matches actually happen.
TRIGGERS = [
    "Министерство обороны", "army helper", "not as a soldier", "$3000 a month", "20 ألف دولار عند التوقيع",
    "وزارة الدفاع", "بدون رسوم", "no agency fees", "سوپای ڕووسیا", "Alabuga", "via Dubai", "passport",
    "\u200c", "\u0640", "ً", "é", "ё", "٢٥٠٠", "\ud800", "\x00", "\n", "ﷲ", "ﬁ",
]
any_text = st.text(max_size=400)
mixed = st.lists(st.one_of(st.sampled_from(TRIGGERS), st.text(max_size=20)), max_size=30).map(" ".join)


def assert_valid(text: str) -> None:
    result = check_offer(text, CATALOGUE)
    assert result.risk in RISK_LEVELS
    assert (result.risk == "low") == (not result.signs)
    for hit in result.signs:
        assert hit.id in CATALOGUE.signs
        assert len(hit.evidence) <= 3
        for quote in hit.evidence:
            assert quote in text  # exactly as pasted
            assert len(quote) <= 80


@settings(max_examples=300, deadline=None)
@given(st.one_of(any_text, mixed))
def test_never_raises_and_evidence_is_a_substring(text):
    assert_valid(text)


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_text, mixed))
def test_fast_fold_equals_the_reference(text):
    folded, offsets = fold_offsets(text)
    reference, reference_offsets = fold_with_offsets(text)
    assert folded == reference
    assert list(offsets) == reference_offsets


@settings(max_examples=200, deadline=None)
@given(st.one_of(any_text, mixed), st.sampled_from([None, "ar", "ckb", "en", "fr", "ru"]))
def test_amounts_never_raise(text, lang):
    for amount in find_amounts(text, lang):
        assert amount.value >= 0 and amount.start < amount.end


@pytest.mark.parametrize(
    "text",
    [
        "\ud800\udfff\ud800 Министерство обороны \udc00",
        "".join(chr(c) for c in range(32)) * 10,
        "x" * 100_000,
        ("контракт о прохождении военной службы " * 2700),  # about 100 KB
        "\u200c" * 5000 + "army",
        "٫٬" * 1000,
        "$" * 5000 + "3000",
        "(" * 3000 + "3000 руб",
    ],
)
def test_odd_and_huge_inputs(text):
    assert_valid(text)


MARKER_WORDS = [
    "a month", "/mo", "/ day", "per year", "bonus", "fee", "salary", "par mois", "в месяц", "/мес", "единовременная",
    "بالشهر", "شهرياً", "والراتب", "عند الإمضاء", "مانگانە", "پاداشت", "ra6ib", "b el shahar", "twa8i3", "за оформление",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(MARKER_WORDS), st.sampled_from(TRIGGERS), st.text(max_size=12)),
                max_size=25).map(" ".join))
def test_the_first_character_lookahead_of_the_marker_regex_changes_nothing(text):
    import re

    from bot.offers import amounts
    from bot.text.normalize import fold

    plain = re.compile(r"(?:\W|^)(?:[\u0648\u0641\u0628](?=[\u0621-\u064a]))?(?:" + amounts._MARKER_BODY + ")")
    folded = fold(text)
    assert [(m.span(), m.lastgroup) for m in amounts._marker_re().finditer(folded)] == \
        [(m.span(), m.lastgroup) for m in plain.finditer(folded)]
