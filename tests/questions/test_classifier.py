"""The learned classifier: deterministic, learns what tells topics apart, and survives bad input."""

from bot.questions.classifier import TopicClassifier
from bot.questions.matcher import features

TEXTS = ["they took my passport", "employer keeps my passport", "passport taken at the airport",
         "my son is missing at the front", "brother missing in the war", "no news from my son in the army",
         "weather tomorrow", "cook rice"]
LABELS = ["passport"] * 3 + ["family"] * 3 + ["_background"] * 2


def build() -> TopicClassifier:
    return TopicClassifier(TEXTS, LABELS, lambda t: features(t, "en"))


def test_learns_the_telling_words():
    model = build()
    p = model.probabilities(features("the company has my passport", "en"))
    assert max(p, key=p.get) == "passport"
    p = model.probabilities(features("my son is missing", "en"))
    assert max(p, key=p.get) == "family"


def test_deterministic():
    a, b = build(), build()
    assert (a.weights == b.weights).all()


def test_unknown_or_empty_text_gives_no_probabilities():
    model = build()
    assert model.probabilities(features("", "en")) == {}
    assert model.probabilities(features("😀😀", "en")) == {}
