"""The matcher on the real FAQ: behaviour people depend on, not figures (those are in `scambot eval`).

The matcher is built straight from the read model, so these tests do not depend on the offer checker.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import Config
from bot.content.readmodel import content_from_db, example_rows, open_read_model
from bot.questions.matcher import BACKGROUND, Matcher, names_other_destination
from bot.text.arabizi import skeleton
from bot.text.normalize import normalize


@pytest.fixture(scope="module")
def matcher(tmp_path_factory) -> Matcher:
    config = Config(data_dir=tmp_path_factory.mktemp("data"))
    db = open_read_model(config.faq_dir, config.data_dir, config.contacts_override)
    try:
        content, rows = content_from_db(db), example_rows(db)
    finally:
        db.close()
    return Matcher(rows, frozenset(t.id for t in content.topics.values() if t.urgent))


def best(matcher: Matcher, text: str) -> str | None:
    result = matcher.match(text)
    return result.topics[0].id if result.topics else None


def test_typos_still_find_the_topic(matcher):
    clean = matcher.match("they offered me a scholarship in moscow is it safe")
    typed = matcher.match("they ofered me a scolarship in moscow is it saef")
    assert clean.answered and clean.topics[0].id == "study-offer"
    assert typed.topics[0].id == "study-offer"


def test_misspelt_words_are_corrected_to_the_examples_vocabulary(matcher):
    english = matcher.indexes["en"]
    assert english.correct("the agent took my pasport") == "the agent took my passport"
    assert english.correct("what is the weather") == "what is the weather"  # a real word is left alone
    result = matcher.match("the agent took my pasport at the airport")
    assert result.answered and result.topics[0].id == "passport-taken"


def test_sms_shorthand_reads_like_the_words(matcher):
    assert matcher.indexes["en"].correct("pls hw do u know") == "please how do you know"
    assert matcher.indexes["fr"].correct("pk ils ont pris mon passeport") == "pourquoi ils ont pris mon passeport"
    typed = matcher.match("pls help they took my passport n wont give it back")
    assert typed.topics[0].id == "passport-taken"


@pytest.mark.parametrize(
    ("arabizi", "arabic", "topic"),
    [
        ("3ndi 3ard shughul b rusia", "عندي عرض شغل بروسيا", "job-offer"),
        ("bil jaish el rusi y3tuun jinsiya?", "بالجيش الروسي يعطون جنسية؟", "citizenship-promises"),
    ],
)
def test_arabizi_and_arabic_script_find_the_same_topic(matcher, arabizi, arabic, topic):
    typed_latin, typed_arabic = matcher.match(arabizi), matcher.match(arabic)
    assert typed_latin.lang == typed_arabic.lang == "ar"
    assert typed_latin.topics[0].id == typed_arabic.topics[0].id == topic


@pytest.mark.parametrize(
    ("arabizi", "arabic"),
    [
        ("bil jaish", "بالجيش"),  # "bil" typed apart, article glued in Arabic script
        ("hatha el 3aqd", "هذا العقد"),  # Iraqi "th" for ذ; the article typed alone
        ("b ilshahar", "بالشهر"),  # one-letter prefix typed apart, article glued to the word
        ("a7chi", "احكي"),  # Iraqi "ch" for ك
        ("wallah", "والله"),
    ],
)
def test_arabizi_spellings_reduce_to_the_arabic_skeleton(arabizi, arabic):
    assert skeleton(arabizi) == skeleton(arabic)


def test_article_is_not_cut_from_words_that_only_start_like_it():
    assert skeleton("balad") == "بلد"  # "b" + "al" + vowel: not the article
    assert skeleton("alabuga") == "لبگ"  # the l of Alabuga stays


@pytest.mark.parametrize(
    ("text", "lang", "topic"),
    [
        ("عرضوا علي scholarship بروسيا شنو رايكم", "ar", "study-offer"),
        ("ئەم scholarship ە لە ڕووسیا ڕاستە؟", "ckb", "study-offer"),
    ],
)
def test_english_word_inside_arabic_script_counts_as_evidence(matcher, text, lang, topic):
    result = matcher.match(text)
    assert result.lang == lang
    assert result.topics[0].id == topic


def test_quoted_russian_inside_an_arabic_question_keeps_it_arabic(matcher):
    result = matcher.match("شنو يعني Министерство обороны بالعقد مالتي")
    assert result.lang == "ar"
    assert "contract-in-russian" in [t.id for t in result.topics]


def test_long_story_is_judged_by_its_question(matcher):
    story = (
        "hello, good evening. I am from Ghana and I finished school last year. My uncle knows a man who finds "
        "jobs abroad. I went to Russia in March with him. When we landed the agent took my passport and said he "
        "will keep it until I pay him back. What can I do?"
    )
    result = matcher.match(story)
    assert result.topics[0].id == "passport-taken"


@pytest.mark.parametrize(
    "text",
    [
        "what is the weather in baghdad tomorrow",
        "how do i cook dolma",
        "i want to study in germany what are the requirements",
        "اريد ادرس بتركيا شنو الشروط",
        "учёба в турции требования",
    ],
)
def test_out_of_scope_is_not_answered(matcher, text):
    assert not matcher.match(text).answered


def test_other_destination_is_told_from_a_route_through_it():
    assert names_other_destination(normalize("study in Germany"))
    assert not names_other_destination(normalize("the agent sends us to Moscow through Turkey"))
    assert not names_other_destination(normalize("usage of the bot"))  # "usa" only as a whole word


@pytest.mark.parametrize("text", ["", "   ", "😱😱🙏", "!!! ??? ...", "123 456"])
def test_empty_or_letterless_input_is_not_answered(matcher, text):
    result = matcher.match(text)
    assert not result.answered
    assert not result.urgent


def test_100_kb_input_is_not_answered_and_quick(matcher):
    start = time.perf_counter()
    result = matcher.match("x" * 100_000)
    assert time.perf_counter() - start < 1.0
    assert not result.answered


def test_100_kb_of_real_words_is_quick(matcher):
    text = "they offered me a job in russia with a big salary. " * 2000
    start = time.perf_counter()
    matcher.match(text)
    assert time.perf_counter() - start < 1.0


def test_at_most_three_distinct_topics_best_first_scores_0_to_100(matcher):
    result = matcher.match("is the scholarship in kazan real or a trap to send me to the army")
    scores = [t.score for t in result.topics]
    assert 1 <= len(result.topics) <= 3
    assert len({t.id for t in result.topics}) == len(result.topics)
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 100.0 for s in scores)


def test_urgent_only_when_answered_with_an_urgent_topic(matcher):
    result = matcher.match("im in russia and they are forcing me to sign an army contract or go to prison")
    assert result.answered and result.topics[0].id == "coerced-in-russia"
    assert result.urgent


_SCRIPTS = st.sampled_from(
    [
        st.text(max_size=300),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz 2356789'-", max_size=200),
        st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهويءئؤةىگچپژڤڕڵێۆە ؟،", max_size=200),
        st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюя .,!?", max_size=200),
    ]
)


@settings(max_examples=150, deadline=None)
@given(_SCRIPTS.flatmap(lambda s: s))
def test_match_never_raises_and_scores_stay_in_range(matcher, text):
    result = matcher.match(text)
    assert len(result.topics) <= 3
    assert all(0.0 <= t.score <= 100.0 for t in result.topics)
    assert not result.answered or result.topics
    assert not result.urgent or result.answered


@pytest.mark.parametrize(
    "text",
    ["у меня отобрали паспорта", "агент не отдаёт паспорта", "паспортом завладел работодатель"],
)
def test_russian_inflected_forms_find_their_topic(matcher, text):
    # "паспорта", "паспортом": the light stem joins them to the examples' "паспорт".
    result = matcher.match(text)
    assert result.lang == "ru"
    assert result.topics[0].id == "passport-taken"


def test_one_word_arabizi_is_read_as_arabic(matcher):
    result = matcher.match("jawazi")
    assert result.lang == "ar"
    assert "passport-taken" in [t.id for t in result.topics]


@pytest.mark.parametrize(
    "text",
    [
        "hi", "salam", "thanks", "merci", "спасибо", "سوپاس", "good morning",
        "russian lessons online for kids", "ruble to euro rate", "курс рубля к евро", "football in moscow",
        "visa étudiant pour la France", "study in china scholarship", "work in qatar as a driver",
        "فيزا دراسة لفرنسا", "учеба во франции",
    ],
)
def test_near_scope_and_greetings_are_not_answered(matcher, text):
    assert not matcher.match(text).answered


def test_the_background_is_never_offered_as_a_topic(matcher):
    for text in ("what is the weather tomorrow", "good morning", "how to learn russian", "курс доллара"):
        assert BACKGROUND not in [t.id for t in matcher.match(text).topics]


def test_the_background_does_not_hide_a_clear_question(matcher):
    # Words the background shares ("russian", "visa", "course") must not block a question that is ours.
    for text, topic in (
        ("the agent offers a russian language course then a job in the army", "study-offer"),
        ("tourist visa to russia for a job", "travel-agency-visa"),
    ):
        result = matcher.match(text)
        assert result.answered and result.topics[0].id == topic, (text, result)


def test_more_destinations_are_told_apart_from_russia():
    for text in ("visa étudiant pour la France", "jobs in qatar", "учеба в китае", "الدراسة في فرنسا"):
        assert names_other_destination(normalize(text)), text
    assert not names_other_destination(normalize("via Qatar to Moscow"))
    assert not names_other_destination(normalize("دەچین بۆ کار"))  # Sorani "we go" contains چین (China)


def test_another_countrys_army_is_not_ours():
    for text in ("how to join the iraqi army", "s'engager dans l'armée française", "التطوع في الجيش العراقي",
                 "سوپای عێراق", "служба в армии казахстана"):
        assert names_other_destination(normalize(text)), text
    assert not names_other_destination(normalize("the ukrainian army captured my brother"))  # prisoners: ours
    assert not names_other_destination(normalize("an iraqi army veteran offered a contract in russia"))


@pytest.mark.parametrize(
    "text",
    ["i lost my passport in basra what now", "renew an expired passport", "number of the ambulance please",
     "ضيعت جوازي بالبصرة", "کاری چێشتلێنەر لە سلێمانی"],
)
def test_a_question_naming_nothing_of_our_scope_needs_strong_evidence(matcher, text):
    # Shares a topic's words (passport, number, cook) but names neither Russia, nor the army, nor an agent...
    assert not matcher.match(text).answered


def test_scope_words_keep_ordinary_questions_answered(matcher):
    for text, topic in (("the agent took my passport and left", "passport-taken"),
                        ("الوكيل اخذ جوازي وما يرجعه", "passport-taken")):
        result = matcher.match(text)
        assert result.answered and result.topics[0].id == topic, (text, result)


def test_russian_typed_in_latin_letters_finds_its_topic():
    from bot.config import Config
    from bot.engine import Engine

    engine = Engine.load(Config.from_env())
    result = engine.match("rabotodatel zabral moy pasport i ne otdaet")
    assert result.lang == "ru" and result.topics and result.topics[0].id == "passport-taken"


def test_sorani_typed_with_plain_letters_finds_its_topic():
    from bot.config import Config
    from bot.engine import Engine

    engine = Engine.load(Config.from_env())
    result = engine.match("خاوه ن كاره كه پاسپورته كه مي وه رگرتوه و نايداته وه")
    assert result.lang == "ckb" and result.topics and result.topics[0].id == "passport-taken"
