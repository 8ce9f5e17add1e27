"""Every figure in faq/ is traceable: cited sources, the same figures in every language, each in a cited note."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli.core import main
from bot.content.load import load_content
from bot.content.trace import Notes, check_research_figures, figures
from bot.content.validate import check_faq
from tests.toyfaq import REAL_FAQ, TOY_EXAMPLES, toy_topic, write_topic, write_toy_faq


@pytest.mark.parametrize(("text", "expected"), [
    ("up to $20,000 on signing", {"20000"}),
    ("jusqu'à 20 000 $", {"20000"}),                  # space as thousands separator
    ("до $20\u202f000", {"20000"}),                    # narrow no-break space
    ("٢٠٬٠٠٠ دولار", {"20000"}),                       # Arabic-Indic digits, Arabic thousands separator
    ("۲۰۰۰۰ دۆلار", {"20000"}),                        # Persian digits
    ("20 ألف دولار", {"20000"}),                       # "20 thousand" in Arabic
    ("٢٠٠ هەزار سەرباز", {"200000"}),                  # "200 thousand" in Sorani
    ("$1,500-3,000 a month", {"1500", "3000"}),
    ("about 90% of them", {"90"}),
    ("on 18 Feb 2026", {"18", "2026"}),
    ("2026-02-26", {"2026", "2", "26"}),
    ("55 of 272, 12 dead, 16 missing", {"55", "272", "12", "16"}),  # ", " is a list, not a separator
    ("no figure here", set()),
])
def test_figures_are_read_in_every_script(text, expected):
    assert figures(text) == expected


@pytest.fixture()
def faq(tmp_path):
    return write_toy_faq(tmp_path)


def _messages(faq: Path) -> list[str]:
    return [str(p) for p in check_faq(faq, required_topics=())]


def _topic_saying(faq: Path, texts: dict[str, str], sources=("8",)) -> None:
    data = toy_topic("visa-help", TOY_EXAMPLES["visa-help"], sources=list(sources))
    for lang, text in texts.items():
        data["langs"][lang]["answer"] = f"<b>Do not pay yet.</b>\n• {text}\nHelp: /hotline"
    write_topic(faq, data)


def test_toy_content_passes(faq):
    assert _messages(faq) == []


def test_a_translation_with_another_figure_is_flagged(faq):
    _topic_saying(faq, {lang: "17 people were arrested in 2026." for lang in ("en", "ckb", "fr", "ru")}
                  | {"ar": "اعتُقل ١٨ شخصًا في ٢٠٢٦."})
    found = [m for m in _messages(faq) if "figures differ" in m]
    assert found == ["faq/topics/visa-help.yaml: visa-help.ar: figures differ from the English: "
                     "missing 17; not in English 18"]


def test_the_same_figure_in_other_digits_is_not_flagged(faq):
    _topic_saying(faq, {"en": "up to $20,000 in 2026", "ar": "حتى 20 ألف دولار في ٢٠٢٦",
                        "ckb": "تا ٢٠٬٠٠٠ دۆلار لە ٢٠٢٦", "fr": "jusqu'à 20 000 $ en 2026",
                        "ru": "до $20000 в 2026 году"})
    assert not [m for m in _messages(faq) if "figures differ" in m]


def test_a_sign_without_source_is_flagged(faq):
    path = faq / "signs.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["signs"][0]["sources"] = []
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    sign_id = data["signs"][0]["id"]
    assert f"faq/signs.yaml: {sign_id}: missing source: name the sources of its facts" in _messages(faq)


RESEARCH = """# Notes
## The founding report (The National, 2026-02-26) [8]
- 17 people arrested; 2 sentenced to life.

## Other countries
- India: 13 locations searched, 17 visa consultancies [1].
- Law: decrees of 2022-2025 [44]-[53].

## Sources
[8] The National 2026-02-26 https://example.org/national
[1] Hindustan Times 2024-03-07 https://example.org/ht
"""


def _research(tmp_path: Path) -> Path:
    research = tmp_path / "research"
    research.mkdir()
    (research / "deception-patterns.md").write_text(RESEARCH, encoding="utf-8")
    return research


def _unbacked(faq: Path, research: Path) -> list[str]:
    problems = check_research_figures(load_content(faq), faq, research)
    return [str(p) for p in problems if "topics/visa-help" in p.file]


def test_a_figure_in_a_cited_note_passes(faq, tmp_path):
    _topic_saying(faq, {lang: "In February 2026, 17 people were arrested; 2 got life." for lang in
                        ("en", "ar", "ckb", "fr", "ru")})
    assert _unbacked(faq, _research(tmp_path)) == []


def test_a_figure_in_no_cited_note_is_flagged_in_every_language(faq, tmp_path):
    # 13 is in the note of source 1, which this topic does not cite: not backed.
    _topic_saying(faq, {lang: "police searched 13 places in 2026" for lang in ("en", "ar", "ckb", "fr", "ru")})
    found = _unbacked(faq, _research(tmp_path))
    assert len(found) == 5 and all("figure 13 is in no note of its sources ['8']" in m for m in found)


def test_a_range_of_citations_and_a_project_source_back_figures(faq, tmp_path):
    sources = yaml.safe_load((faq / "sources.yaml").read_text(encoding="utf-8"))
    sources.append({"id": "p1", "title": "Example outlet", "url": "https://example.org/p1", "date": "2025-05-01",
                    "supports": "Alabuga is in the Yelabuga district; 464 complaints"})
    sources.append({"id": "48", "title": "Forbes.ru"})
    (faq / "sources.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    _topic_saying(faq, {lang: "464 complaints by 2025; decrees of 2022" for lang in ("en", "ar", "ckb", "fr", "ru")},
                  sources=("p1", "48"))
    assert _unbacked(faq, _research(tmp_path)) == []


def test_notes_join_section_citations_and_ranges(tmp_path):
    notes = Notes.read(_research(tmp_path), {})
    assert "17 people arrested" in notes.by_source["8"]
    assert "2022-2025" in notes.by_source["48"]      # [44]-[53] covers 48
    assert "13 locations" not in notes.by_source["8"]


def _research_dir() -> Path | None:
    for folder in REAL_FAQ.resolve().parents:
        candidate = folder / "shared" / "research"
        if (candidate / "deception-patterns.md").is_file():
            return candidate
    return None


@pytest.mark.skipif(_research_dir() is None, reason="shared/research/ not found beside the checkout")
def test_every_figure_of_the_real_content_is_in_a_cited_note():
    problems = check_research_figures(load_content(REAL_FAQ), REAL_FAQ, _research_dir())
    assert [str(p) for p in problems] == []


def test_the_real_content_passes_the_checks_without_research():
    problems = [str(p) for p in check_faq(REAL_FAQ) if "figure" in p.message or "missing source" in p.message]
    assert problems == []


def test_faq_check_research_flag_reports_an_unbacked_figure(faq, tmp_path, monkeypatch):
    _topic_saying(faq, {lang: "police searched 13 places" for lang in ("en", "ar", "ckb", "fr", "ru")})
    monkeypatch.setenv("SCAMBOT_FAQ_DIR", str(faq))
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["faq", "check", "--research", str(_research(tmp_path))])
    assert result.exit_code == 1
    assert "visa-help.en: figure 13 is in no note of its sources ['8']" in result.output
