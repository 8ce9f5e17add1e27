"""Every figure the bot states is traceable to a note of a source the entry cites.

A figure is a number in a text (an amount, a count, a year, a percentage, a day of a date), written in
ASCII, Arabic-Indic or Persian digits, with or without thousands separators: "$20,000", "20 000",
"٢٠٬٠٠٠" and "۲۰۰۰۰" are the same figure 20000. Entries are the topics (title and answer), the warning
signs of signs.yaml (title and explain) and the contacts (name, note, and the digits of the value).

Three checks, the first two need nothing but faq/ (`scambot faq check` runs them):
- every entry cites at least one source;
- every language of an entry states the same figures as the English (a translation that says 2025 where
  the English says 2024 is a wrong fact in one language);
- with the research notes (shared/research/*.md): every figure of an entry appears in the note of a source
  it cites. A source's note is every paragraph or bullet of the research files that cites it ("[8]", a
  range "[44]-[53]", or a section heading that cites it), every paragraph that quotes its address, and, for
  sources the project added to faq/sources.yaml, their `date` and `supports` (the figures they back).

Spelled-out numbers ("one year", "four-year war") are not figures here: checking them needs a number
reader for five languages, and reviewers compare them by eye.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content.load import Content, Problem
from bot.models import LANGUAGES

REFERENCE_LANG = "en"
# The C loader reads signs.yaml about ten times faster; the pure-Python one is the fallback.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
TOPICS_WITHOUT_SOURCES = frozenset({"about-bot"})

# Arabic-Indic (U+0660-0669) and Persian (U+06F0-06F9) digits read as ASCII digits.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# A thousands group: "," "." (French/Russian use "." rarely), the Arabic thousands separator U+066C, a space,
# a no-break or narrow no-break space, or an apostrophe; then exactly three digits.
_GROUP_SEP = ",.\u066c \u00a0\u202f'"
_NUMBER = re.compile(
    rf"(?<![\d])(\d{{1,3}}(?:[{_GROUP_SEP}]\d{{3}})+|\d+)(?:[.,\u066b](\d+))?(?![\d])"
    # "20 ألف دولار", "٢٠ هەزار", "20 тыс.", "20 mille": the scale word is part of the figure.
    r"(?:\s*(?P<thousand>ألف|الف|آلاف|الاف|هەزار|هزار|тыс\w*|mille|thousand)\b"
    r"|\s*(?P<million>مليون|ملايين|ملیۆن|млн|миллион\w*|millions?)\b)?")


def figures(text: str) -> set[str]:
    """The figures in a text, canonical: digits without separators or leading zeros ("20,000" -> "20000")."""
    found: set[str] = set()
    for match in _NUMBER.finditer(text.translate(_DIGITS)):
        whole = re.sub(rf"[{_GROUP_SEP}]", "", match.group(1))
        value = str(int(whole))
        if match.group(2) is not None:
            value += "." + match.group(2)
        scale = 1000 if match.group("thousand") else 1_000_000 if match.group("million") else 1
        if scale > 1:
            scaled = float(value) * scale
            value = str(int(scaled)) if scaled.is_integer() else str(scaled)
        found.add(value)
    return found


def _digits_only(text: str) -> str:
    return re.sub(r"\D", "", text.translate(_DIGITS))


@dataclass(frozen=True)
class Entry:
    """One thing the bot says, with the sources it cites and its texts per language."""
    file: str
    id: str
    sources: tuple[str, ...]
    texts: dict[str, str]          # language -> all its shown text (title, answer, explain, name, note)
    value: str | None = None       # a contact's number or handle: its digits must be in a cited note


def entries(content: Content, faq_dir: Path) -> tuple[list[Entry], list[Problem]]:
    """Topics, signs and contacts as entries. signs.yaml is read as data here: no offer checker needed."""
    result: list[Entry] = []
    for topic in content.topics.values():
        result.append(Entry(topic.file, topic.id, topic.sources,
                            {lang: f"{e.title}\n{e.answer}" for lang, e in topic.langs.items()}))
    sign_entries, problems = _sign_entries(faq_dir)
    result += sign_entries
    for contact in content.contacts.values():
        if contact.from_deployer:  # the deployer answers for its own contacts
            continue
        texts = {lang: contact.name.get(lang, "") + "\n" + contact.note.get(lang, "")
                 for lang in set(contact.name) | set(contact.note)}
        result.append(Entry("faq/contacts.yaml", contact.id, (contact.source,) if contact.source else (),
                            texts, contact.value))
    return result, problems


def _sign_entries(faq_dir: Path) -> tuple[list[Entry], list[Problem]]:
    path = faq_dir / "signs.yaml"
    if not path.is_file():
        return [], []  # validate.py reports the missing catalogue
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as error:
        return [], [Problem("faq/signs.yaml", "file", f"cannot read: {error}")]
    result = []
    for sign in data.get("signs") or []:
        if not isinstance(sign, dict) or not sign.get("id"):
            continue
        texts: dict[str, str] = {}
        for lang, text in (sign.get("text") or {}).items():
            if isinstance(text, dict):
                texts[str(lang)] = f"{text.get('title', '')}\n{text.get('explain', '')}"
        result.append(Entry("faq/signs.yaml", str(sign["id"]),
                            tuple(str(s) for s in sign.get("sources") or ()), texts))
    return result, []


def check_cited(all_entries: list[Entry]) -> list[Problem]:
    """Every entry names at least one source (topics are checked in validate.py with the same rule)."""
    return [Problem(e.file, e.id, "missing source: name the sources of its facts", fatal=False)
            for e in all_entries if not e.sources and e.file != "faq/contacts.yaml"
            and not e.file.startswith("faq/topics/")]


def check_languages_agree(all_entries: list[Entry]) -> list[Problem]:
    """Each language states the figures the English states, no more and no fewer."""
    problems = []
    for entry in all_entries:
        if REFERENCE_LANG not in entry.texts:
            continue
        reference = figures(entry.texts[REFERENCE_LANG])
        for lang in LANGUAGES:
            if lang == REFERENCE_LANG or lang not in entry.texts:
                continue
            found = figures(entry.texts[lang])
            if found != reference:
                missing, extra = sorted(reference - found, key=_order), sorted(found - reference, key=_order)
                detail = "; ".join(part for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"not in English {', '.join(extra)}" if extra else "") if part)
                problems.append(Problem(entry.file, f"{entry.id}.{lang}",
                                        f"figures differ from the English: {detail}", fatal=False))
    return problems


def _order(value: str) -> float:
    return float(value)


# ---- the research notes -------------------------------------------------------------------------------

_CITATION = re.compile(r"\[(\w+)\](?:\s*-\s*\[(\w+)\])?")
_ITEM_START = re.compile(r"(?:[-*|]\s|\d+\.\s|\[\w+\]\s)")


def _cited_ids(text: str) -> set[str]:
    ids: set[str] = set()
    for first, last in _CITATION.findall(text):
        ids.add(first)
        if last and first.isdigit() and last.isdigit():
            ids.update(str(n) for n in range(int(first), int(last) + 1))
        elif last:
            ids.add(last)
    return ids


def _paragraphs(markdown: str) -> list[tuple[set[str], str]]:
    """(ids the paragraph or its section heading cites, text) for every bullet, table row and paragraph."""
    items: list[tuple[set[str], str]] = []
    section_ids: set[str] = set()
    current: list[str] = []
    current_is_bullet = False

    def close() -> None:
        if current:
            text = " ".join(current)
            items.append((_cited_ids(text) | section_ids, text))
            current.clear()

    for line in markdown.splitlines():
        if not line.strip():
            close()
        elif line.startswith("#"):
            close()
            section_ids = _cited_ids(line)
            items.append((section_ids, line))
        elif current and (line[0].isspace() or not current_is_bullet) and not _ITEM_START.match(line):
            current.append(line.strip())
        else:
            close()
            current.append(line.strip())
            current_is_bullet = bool(_ITEM_START.match(line))
    close()
    return items


@dataclass(frozen=True)
class Notes:
    """The research notes, read once: per source id, the text of its note."""
    by_source: dict[str, str]

    @classmethod
    def read(cls, research_dir: Path, sources: dict[str, dict[str, str]]) -> Notes:
        paragraphs: list[tuple[set[str], str]] = []
        for path in sorted(research_dir.glob("*.md")):
            paragraphs += _paragraphs(path.read_text(encoding="utf-8"))
        by_source: dict[str, list[str]] = {}
        for ids, text in paragraphs:
            for source_id in ids:
                by_source.setdefault(source_id, []).append(text)
        for source_id, entry in sources.items():
            address = _address(entry.get("url", ""))
            parts = by_source.setdefault(source_id, [])
            if address:
                parts += [text for _, text in paragraphs if address in text]
            parts += [entry.get("title", ""), entry.get("date", ""), entry.get("supports", "")]
        return cls({source_id: "\n".join(parts) for source_id, parts in by_source.items()})


def _address(url: str) -> str:
    """An address as research notes quote it: no scheme, no "www.", no trailing slash."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip()).rstrip("/")


def check_traceable(all_entries: list[Entry], notes: Notes) -> list[Problem]:
    """Every figure of every language of an entry is in the note of a source the entry cites."""
    problems = []
    for entry in all_entries:
        note = "\n".join(notes.by_source.get(s, "") for s in entry.sources)
        known = figures(note)
        for lang in sorted(entry.texts, key=lambda code: (code != REFERENCE_LANG, code)):
            unbacked = sorted(figures(entry.texts[lang]) - known, key=_order)
            if unbacked:
                problems.append(Problem(entry.file, f"{entry.id}.{lang}",
                                        f"figure {', '.join(unbacked)} is in no note of its sources "
                                        f"{list(entry.sources)}", fatal=False))
        if entry.value and _digits_only(entry.value):
            note_digits = [_digits_only(line) for line in note.splitlines()]
            if not any(_digits_only(entry.value) in digits for digits in note_digits):
                problems.append(Problem(entry.file, entry.id, f"value {entry.value!r} is in no note of its "
                                        f"source {list(entry.sources)}", fatal=False))
    return problems


def check_faq_figures(content: Content, faq_dir: Path) -> list[Problem]:
    """The checks that need only faq/: sources cited, languages agree on every figure."""
    all_entries, problems = entries(content, faq_dir)
    return problems + check_cited(all_entries) + check_languages_agree(all_entries)


def check_research_figures(content: Content, faq_dir: Path, research_dir: Path) -> list[Problem]:
    """Every figure held to a note of a cited source (needs shared/research/)."""
    all_entries, problems = entries(content, faq_dir)
    return problems + check_traceable(all_entries, Notes.read(research_dir, content.sources))

