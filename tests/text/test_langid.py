"""Language identification on the short, messy messages our users send."""

import pytest

from bot.text.langid import detect_language, is_arabizi


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


@pytest.mark.parametrize("text", ["jawazi", "wakil", "sharika nasb", "iqama", "ygolon", "khalas", "el ratib"])
def test_one_or_two_word_arabizi_is_arabic(text):
    # No digits and no function word: the FAQ's arabizi vocabulary and spellings English and French do not
    # have (kh, q without u, y + consonant opening a word) decide.
    assert detect_language(text) == "ar"


@pytest.mark.parametrize("text", ["yes", "you", "yesterday", "quick question", "technique", "iraq", "passport?"])
def test_english_words_are_not_taken_for_arabizi(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(("text", "lang"), [("سوپاس", "ckb"), ("باشی؟", "ckb"), ("شكرا", "ar"), ("مرحبا", "ar")])
def test_short_arabic_script_messages_by_keyboard_letters(text, lang):
    # Kurdish keyboards type ی ک and have پ; Arabic keyboards type ي ك.
    assert detect_language(text) == lang


def test_french_with_english_looking_function_words():
    assert detect_language("on me promet la nationalité russe") == "fr"
    assert detect_language("salam, mon mari est parti en russie") == "fr"
