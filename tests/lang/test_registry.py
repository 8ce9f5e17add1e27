"""Every language of the registry loads and its data survives the normalisation the components apply."""

import re

import pytest

from bot.lang import CODES, all_languages, get
from bot.text.langid import detect_language
from bot.text.normalize import fold, normalize, stem


@pytest.mark.parametrize("code", CODES)
def test_each_language_loads_with_its_own_code(code):
    language = get(code)
    assert language.code == code and language.name
    assert language.direction in ("ltr", "rtl") and language.script in ("arabic", "cyrillic", "latin")


def test_an_unknown_language_is_a_key_error():
    with pytest.raises(KeyError):
        get("de")


def test_ties_are_broken_one_way_only():
    breaks = [language.tiebreak for language in all_languages()]
    assert len(set(breaks)) == len(breaks)


@pytest.mark.parametrize("language", all_languages(), ids=lambda language: language.code)
def test_word_lists_are_written_folded_so_that_they_can_match(language):
    # Components compare these words with folded text: a word that folding changes could never be found.
    for word in language.function_words | language.latin_words:
        assert fold(word) == word, word
    for ending in language.stem_suffixes + language.stem_prefixes:
        assert normalize(ending) == ending, ending
    assert list(language.stem_suffixes) == sorted(language.stem_suffixes, key=len, reverse=True)
    for cue in language.cues + language.latin_cues:
        re.compile(cue.pattern)
        assert cue.over in ("text", "lowered", "word", "folded-word")


# One short sentence per language, in our own words: the registry's cues must tell each apart.
SAMPLES = {
    "ar": ["شلون اعرف اذا العرض حقيقي", "3ndi 3ard shughul b rusia shlon a3rf"],
    "ckb": ["چۆن بزانم ئەم کارە ڕاستە", "براکەم لە ڕووسیا کار دەکات"],
    "en": ["how do i know if this job offer is real"],
    "fr": ["comment savoir si cette offre est vraie"],
    "ru": ["как понять что это предложение настоящее"],
}


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, texts in SAMPLES.items() for t in texts])
def test_each_language_is_told_from_its_own_sentences(code, text):
    assert detect_language(text) == code


def test_stems_use_each_languages_endings():
    assert stem("паспортом", "ru") == stem("паспорта", "ru")
    assert stem("بالجواز", "ar") == "جواز"
    assert stem("passports", "en") == "passport"
    assert stem("jawazi", "ar") == "jawazi"  # arabizi is left to its consonant skeleton
    assert stem("word", "xx") == "word"
