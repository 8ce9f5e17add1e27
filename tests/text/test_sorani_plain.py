"""Sorani typed with plain Arabic letters is recognised as Sorani and meets the examples written with ڕ ڵ ێ ۆ ە."""

import pytest

from bot.text.langid import detect_language
from bot.text.normalize import normalize
from bot.text.sorani import plain_sorani


@pytest.mark.parametrize(("sorani", "plain"), [
    ("کوڕەکەم لە ڕووسیا ئیش دەکات", "كوره كه م له روسيا ئيش ده كات"),
    ("پاسپۆرتەکەمیان وەرگرت", "پاسپورته كه ميان وه رگرت"),
])
def test_both_spellings_have_one_plain_form(sorani, plain):
    assert plain_sorani(normalize(sorani)) == plain_sorani(normalize(plain))


@pytest.mark.parametrize("text", [
    "كوره كه م دوو مانگه چوه بو روسيا بو ئيش",
    "ئه م بوته هي كييه",
    "سوپاي روسيا پاره ده دات راسته",
])
def test_plain_sorani_is_sorani(text):
    assert detect_language(text) == "ckb"


@pytest.mark.parametrize("text", [
    "ابني راح لروسيا للشغل وما نعرف عنه شي", "شلون اعرف العقد حقيقي لو لا", "له اخ في موسكو",
])
def test_arabic_stays_arabic(text):
    assert detect_language(text) == "ar"
