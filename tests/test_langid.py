"""Language identification on the short, messy messages our users send."""

import pytest

from bot.langid import detect_language, is_arabizi


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("they offered me a scholarship in Moscow, is it safe?", "en"),
        ("job in russia", "en"),
        ("on m'a proposé une bourse en Russie", "fr"),
        ("bourse russie", "fr"),
        ("мне предложили работу водителем", "ru"),
        ("контракт", "ru"),
        ("عرضوا علي منحة دراسية في موسكو", "ar"),
        ("شلون اعرف العقد حقيقي", "ar"),
        ("3ndi 3ard shughul b rusia", "ar"),
        ("akhoya ra7 l rusia ydrus", "ar"),
        ("ئایا ئەم کارە لە ڕووسیا باشە", "ckb"),
        ("کوڕەکەم چووە ڕووسیا", "ckb"),
    ],
)
def test_detects_the_language(text, lang):
    assert detect_language(text) == lang


def test_no_letters_no_language():
    assert detect_language("😱😱 123 !!!") is None
    assert detect_language("") is None


def test_arabizi_is_told_from_english():
    assert is_arabizi("shlon a3rf el 3qd 7aqiqi")
    assert not is_arabizi("how do I know the contract is real")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("شنو معنى Министерство обороны بالعقد؟", "ar"),  # a quoted Russian term has more letters than the question
        ("عندي scholarship بروسيا", "ar"),
        ("ئەم scholarship ە لە ڕووسیا ڕاستە؟", "ckb"),
        ("que veut dire Министерство обороны dans mon contrat", "fr"),
        ("что значит scholarship", "ru"),
    ],
)
def test_a_few_embedded_foreign_words_do_not_change_the_language(text, lang):
    assert detect_language(text) == lang
