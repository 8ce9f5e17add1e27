"""Questions: matching what a person asks to the FAQ topic that answers it, and the decision to answer,
offer choices, or say nothing."""

from bot.questions.matcher import Matcher, Weights, decide

__all__ = ["Matcher", "Weights", "decide"]
