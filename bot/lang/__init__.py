"""Every language the bot serves, as data: one folder per language (`bot/lang/<code>/`), found here by code.

Adding a language: a folder with its `LANGUAGE` (see bot/lang/base.py for the slots), one line in `CODES`,
and its content in faq/ (strings, topic texts, sign texts). Nothing else imports a language folder: the
components ask this registry.
"""

from __future__ import annotations

import importlib
from functools import cache

from bot.lang.base import Cue, Language

# The order is the order of menus and reports.
CODES: tuple[str, ...] = ("ar", "ckb", "en", "fr", "ru")
LANGUAGES = CODES  # the name most of the code uses


@cache
def get(code: str) -> Language:
    """The language `code` (KeyError for a language the bot does not serve)."""
    if code not in CODES:
        raise KeyError(code)
    return importlib.import_module(f"bot.lang.{code}").LANGUAGE


def all_languages() -> tuple[Language, ...]:
    return tuple(get(code) for code in CODES)


__all__ = ["CODES", "LANGUAGES", "Cue", "Language", "all_languages", "get"]
