"""Text as people type it: folding and normalisation per script, language identification, the Telegram HTML
subset (markup) and the scrubbing of personal data. Language knowledge itself lives in `bot.lang`."""

from bot.text.langid import detect_language, is_arabizi
from bot.text.markup import escape, html_problem, to_plain
from bot.text.normalize import fold, normalize, stem, tokens
from bot.text.scrub import scrub

__all__ = ["detect_language", "escape", "fold", "html_problem", "is_arabizi", "normalize", "scrub", "stem",
           "to_plain", "tokens"]
