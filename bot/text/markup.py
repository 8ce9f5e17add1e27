"""Telegram's HTML subset: checking it, escaping user text into it, and turning it into plain text.

Telegram refuses a whole message whose HTML it cannot parse, so content is checked before it is served
and every fragment that comes from a user is escaped.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

# Tags Telegram accepts in parse_mode=HTML (the ones our content may use).
ALLOWED_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                          "blockquote", "tg-spoiler"})


def escape(text: str) -> str:
    """Escape user-supplied text for parse_mode=HTML (Telegram needs only & < > escaped)."""
    return html.escape(text, quote=False)


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f"tag <{tag}> is not allowed by Telegram"
        elif tag == "a" and not any(name == "href" and value for name, value in attrs):
            self.error = self.error or "<a> needs an href"
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.error = self.error or f"self-closing <{tag}/> is not allowed by Telegram"

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"</{tag}> closes nothing open (open: {self.stack or 'none'})"
            return
        self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ("lt", "gt", "amp", "quot"):
            self.error = self.error or f"&{name}; is not an entity Telegram knows"


_BARE_AMP = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_BARE_LT = re.compile(r"<(?![a-zA-Z/])")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse this HTML, or None when it is fine."""
    if _BARE_AMP.search(text):
        return "a bare & must be written &amp;"
    if _BARE_LT.search(text):
        return "a bare < must be written &lt;"
    checker = _Checker()
    checker.feed(text)
    checker.close()
    if checker.error:
        return checker.error
    if checker.stack:
        return f"unclosed tag <{checker.stack[-1]}>"
    return None


_TAG = re.compile(r"<[^>]+>")


def to_plain(text: str) -> str:
    """The HTML subset as terminal text: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text))
