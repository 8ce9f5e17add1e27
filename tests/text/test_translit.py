"""Russian typed in Latin letters is recognised as Russian and compared with the Russian examples."""

import pytest

from bot.text.langid import detect_language
from bot.text.translit import latin_to_cyrillic


@pytest.mark.parametrize("latin, cyrillic", [
    ("rabotodatel zabral pasport", "работодател забрал паспорт"),
    ("muzh podpisal kontrakt", "муж подписал контракт"),
    ("chto delat seychas", "что делат сейчас"),
    ("voennyy bilet", "военный билет"),
])
def test_letter_groups_become_cyrillic(latin, cyrillic):
    assert latin_to_cyrillic(latin) == cyrillic


@pytest.mark.parametrize("text", [
    "mne predlagayut rabotu v rossii, eto obman?",
    "syn propal na fronte chto delat",
    "kto sdelal etot bot",
])
def test_russian_in_latin_letters_is_russian(text):
    assert detect_language(text) == "ru"


@pytest.mark.parametrize("text", [
    "they offered me a job in russia is it a scam", "on m'a proposé une bourse en russie", "3ndi 3ard shughul b rusia",
])
def test_other_latin_languages_stay(text):
    assert detect_language(text) != "ru"
