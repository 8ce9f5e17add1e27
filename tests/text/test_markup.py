"""Telegram's HTML subset: what it would refuse is caught before sending."""

import pytest

from bot.text.markup import escape, html_problem, to_plain


@pytest.mark.parametrize(
    "good", ["<b>bold</b> and <i>it</i>", "a &amp; b &lt;3", '<a href="https://x.org">x</a>', "plain"]
)
def test_accepts_what_telegram_accepts(good):
    assert html_problem(good) is None


@pytest.mark.parametrize(
    "bad", ["<b>unclosed", "<i>x</b>", "a & b", "1 < 2", "<script>x</script>", "<br/>", "&nbsp;", "<a>x</a>"]
)
def test_names_what_telegram_would_refuse(bad):
    assert html_problem(bad)


def test_escaped_user_text_is_always_valid():
    hostile = "<b>hi</b> & <script>alert(1)</script> &amp; <"
    assert html_problem(escape(hostile)) is None
    assert to_plain(escape(hostile)) == hostile
