"""The scrubber removes what acts on a terminal or a renderer, and takes time linear in its input (issue 19,
finding 5 and the scrubber part of 6).

Before: escape sequences, NUL and bidi controls were queued as sent; a zero-width space inside a number hid it
from the patterns; the e-mail pattern took 179 ms on 8,192 characters (quadratic)."""

from __future__ import annotations

import re
import statistics
import time
import unicodedata

import pytest

from bot.state.store import State
from bot.text.scrub import _PATTERNS, MAX_KEPT_CHARS, MAX_SCANNED_CHARS, scrub, show_invisible, strip_invisible

KEY = b"a-test-key-of-at-least-32-bytes!!"
TERMINAL_TRICKS = ("\x1b]0;scambot: all clear\x07"  # retitle the terminal
                   "\x1b[2K\x1b[1A"  # erase the line above
                   "\x1b[32m"  # colour
                   "\x00\x9b31m"  # NUL; CSI as one C1 byte
                   "\u202egnp.exe\u202c"  # right-to-left override: reads as "exe.png"
                   "\u2066\u2069\u200e\u200f\u061c"  # isolates and marks
                   "\u200b\u2060\ufeff\U000e0041")  # zero-width space, word joiner, BOM, a tag character


def invisible_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]


def test_scrub_removes_controls_bidi_and_zero_width_characters():
    cleaned = scrub(f"is this visa real?{TERMINAL_TRICKS} thanks")
    assert invisible_in(cleaned) == []
    assert cleaned.startswith("is this visa real?]0;scambot: all clear") and cleaned.endswith("thanks")


def test_the_non_joiner_of_kurdish_and_persian_spelling_is_kept_between_arabic_letters_only():
    sorani = "دە\u200cمەوێت"  # a ZWNJ inside a word, as Sorani and Persian keyboards type it
    assert scrub(sorani) == sorani
    assert scrub("army\u200ccontract") == "armycontract"


@pytest.mark.parametrize("hidden, placeholder", [
    ("+964\u200b770\u200b123\u200b4567", "[number]"),
    ("@recr\u200cuiter_hr", "[handle]"),
    ("agent\u2060@mail\u200b.ru", "[email]"),
    ("t.me/\u200bjobs_ru", "[link]"),
])
def test_an_invisible_character_does_not_hide_personal_data_from_the_patterns(hidden, placeholder):
    cleaned = scrub(f"write to {hidden} now")
    assert cleaned == f"write to {placeholder} now"


def test_newlines_tabs_and_line_separators_become_spaces():
    assert scrub("one\ntwo\tthree\u2028four\x85five\r\nsix") == "one two three four five six"


def test_the_cut_before_the_patterns_never_keeps_half_a_number():
    links = "http://example.com/a-long-path-to-shrink " * 60  # each becomes "[link]": the text shrinks a lot
    prefix = links[: MAX_SCANNED_CHARS - 6]
    cleaned = scrub(prefix + " +9647701234567 rest")
    assert len(cleaned) <= MAX_KEPT_CHARS
    assert not re.search(r"\d{3}", cleaned), cleaned[-60:]


def median_seconds(function, text: str) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


ADVERSARIAL = ["a.", "1-", "ab.cd+ef-", "a@b.", "1 (", "@a", "ab1234567x", "\u200ba"]


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_scrubbing_a_megabyte_of_adversarial_text_takes_milliseconds(unit):
    text = unit * ((1 << 20) // len(unit))
    assert median_seconds(scrub, text) < 0.05  # about 1 ms here; the quadratic pattern took minutes


def run_patterns(text: str) -> None:
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_every_pattern_is_linear_in_its_input_even_without_the_cut(unit):
    """8 times the input, at most about 8 times the time (a quadratic pattern: 64 times)."""
    short, long = (unit * (n // len(unit)) for n in (4096, 32768))
    ratio = median_seconds(run_patterns, long) / max(median_seconds(run_patterns, short), 1e-6)
    assert ratio < 24, f"{ratio:.1f} times slower on 8 times the input"


def test_show_invisible_writes_every_invisible_character_as_an_escape():
    shown = show_invisible(f"a{TERMINAL_TRICKS}\nb")
    assert invisible_in(shown.replace("\n", "")) == [] and shown.count("\n") == 1
    assert "\\x1b]0;scambot" in shown and "\\u202egnp.exe\\u202c" in shown and "\\x00\\x9b31m" in shown
    assert "\\U000e0041" in shown
    assert show_invisible("دە\u200cمەوێت") == "دە\u200cمەوێت"  # spelling, not a trick
    assert strip_invisible(shown) == shown.replace("\n", " ")


def test_the_store_queues_no_invisible_character(tmp_path):
    state = State.open(tmp_path, key=KEY)
    state.queue_unanswered(f"is the contract real?{TERMINAL_TRICKS}", "en")
    [row] = state.unanswered()
    state.close()
    assert invisible_in(row["text"]) == []
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("state.db*"))
    for trick in (b"\x1b]0;", "\u202e".encode(), "\x00\x9b31m".encode()):
        assert trick not in raw
