"""Loading `faq/` (the YAML that volunteers edit) into plain, typed objects.

Loading never guesses: what cannot be read is reported as a `Problem` naming the file and the entry, and
`bot/content/validate.py` adds the checks that need the whole content at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.models import LANGUAGES

try:  # the C loader is several times faster; fall back where libyaml is missing
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in `faq/`, said so that a volunteer can find and fix it."""

    file: str
    entry: str
    message: str
    fatal: bool = True  # False: the bot can still serve (e.g. an answer a little too long)

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.message}"


class ContentError(Exception):
    """`faq/` cannot be served; `problems` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass(frozen=True)
class TopicLanguage:
    title: str
    answer: str
    examples: tuple[str, ...]
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Topic:
    id: str
    file: str
    langs: dict[str, TopicLanguage]
    urgent: bool = False
    signs: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contact:
    id: str
    name: dict[str, str]
    value: str | None
    verified: bool
    source: str | None
    countries: tuple[str, ...] = ("*",)
    kind: str = "other"
    note: dict[str, str] = field(default_factory=dict)
    from_deployer: bool = False  # set in the deployer's override file, not in faq/


@dataclass
class Content:
    topics: dict[str, Topic]
    contacts: dict[str, Contact]
    strings: dict[str, dict[str, str]]
    sources: dict[str, dict[str, str]]
    problems: list[Problem] = field(default_factory=list)


def read_yaml(path: Path, root: Path) -> tuple[Any, list[Problem]]:
    """Parse one YAML file; a syntax error becomes a Problem with the line number."""
    name = _display_name(path, root)
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_Loader), []
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        return None, [Problem(name, where, f"YAML syntax error: {error.problem}")]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return None, [Problem(name, "file", f"cannot read: {error}")]


def _display_name(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def content_files(faq_dir: Path) -> list[Path]:
    """Every file that is content: what a change to triggers a recompile."""
    return sorted(p for p in faq_dir.rglob("*.yaml") if p.is_file())


def load_content(faq_dir: Path, contacts_override: Path | None = None) -> Content:
    """Read all of `faq/`. Problems are collected in `Content.problems`, never raised here."""
    problems: list[Problem] = []
    topics = _load_topics(faq_dir, problems)
    contacts = _load_contacts(faq_dir / "contacts.yaml", faq_dir, problems, from_deployer=False)
    if contacts_override is not None:
        contacts.update(_load_contacts(contacts_override, faq_dir, problems, from_deployer=True))
    strings = _load_strings(faq_dir, problems)
    sources = _load_sources(faq_dir, problems)
    return Content(topics, contacts, strings, sources, problems)


def _load_topics(faq_dir: Path, problems: list[Problem]) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for path in sorted((faq_dir / "topics").glob("*.yaml")):
        data, found = read_yaml(path, faq_dir)
        problems.extend(found)
        if found:
            continue
        name = _display_name(path, faq_dir)
        topic = _topic_from(data, path, name, problems)
        if topic is None:
            continue
        if topic.id in topics:
            problems.append(Problem(name, topic.id, f"topic id also used in {topics[topic.id].file}"))
            continue
        topics[topic.id] = topic
    if not topics:
        problems.append(Problem(_display_name(faq_dir / "topics", faq_dir), "folder", "no topic files found"))
    return topics


def _str_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (str, int)):
        return (str(value),)
    return tuple(str(v) for v in value if v is not None)


def _topic_from(data: Any, path: Path, name: str, problems: list[Problem]) -> Topic | None:
    if not isinstance(data, dict):
        problems.append(Problem(name, "file", "a topic file must be a mapping with id and langs"))
        return None
    topic_id = str(data.get("id") or "")
    if not topic_id:
        problems.append(Problem(name, "id", "missing id"))
        return None
    if topic_id != path.stem:
        problems.append(Problem(name, topic_id, f"id must equal the file name ({path.stem})"))
    langs: dict[str, TopicLanguage] = {}
    raw_langs = data.get("langs")
    if not isinstance(raw_langs, dict):
        problems.append(Problem(name, topic_id, "missing langs"))
        raw_langs = {}
    for lang, entry in raw_langs.items():
        where = f"{topic_id}.{lang}"
        if lang not in LANGUAGES:
            problems.append(Problem(name, where, f"unknown language (use one of {', '.join(LANGUAGES)})"))
            continue
        if not isinstance(entry, dict):
            problems.append(Problem(name, where, "must be a mapping with title, answer, examples"))
            continue
        missing = [key for key in ("title", "answer", "examples") if not entry.get(key)]
        if missing:
            problems.append(Problem(name, where, f"missing {', '.join(missing)}"))
            continue
        langs[lang] = TopicLanguage(
            title=str(entry["title"]).strip(),
            answer=str(entry["answer"]).strip(),
            examples=_str_list(entry.get("examples")),
            keywords=_str_list(entry.get("keywords")),
        )
    return Topic(
        id=topic_id,
        file=name,
        langs=langs,
        urgent=bool(data.get("urgent", False)),
        signs=_str_list(data.get("signs")),
        related=_str_list(data.get("related")),
        contacts=_str_list(data.get("contacts")),
        sources=_str_list(data.get("sources")),
    )


def _load_contacts(path: Path, faq_dir: Path, problems: list[Problem], from_deployer: bool) -> dict[str, Contact]:
    data, found = read_yaml(path, faq_dir)
    problems.extend(found)
    name = _display_name(path, faq_dir)
    contacts: dict[str, Contact] = {}
    if found:
        return contacts
    if not isinstance(data, list):
        problems.append(Problem(name, "file", "contacts must be a list of entries"))
        return contacts
    for index, entry in enumerate(data):
        if not isinstance(entry, dict) or not entry.get("id"):
            problems.append(Problem(name, f"entry {index + 1}", "each contact needs an id"))
            continue
        cid = str(entry["id"])
        names = entry.get("name") or {}
        if not isinstance(names, dict):
            problems.append(Problem(name, cid, "name must map languages to text"))
            continue
        value = entry.get("value")
        contacts[cid] = Contact(
            id=cid,
            name={str(k): str(v) for k, v in names.items()},
            value=None if value in (None, "") else str(value),
            verified=entry.get("verified") is True,
            source=None if entry.get("source") is None else str(entry["source"]),
            countries=_str_list(entry.get("countries")) or ("*",),
            kind=str(entry.get("kind", "other")),
            note={str(k): str(v) for k, v in (entry.get("note") or {}).items()},
            from_deployer=from_deployer,
        )
    return contacts


def _load_strings(faq_dir: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    strings: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        path = faq_dir / "strings" / f"{lang}.yaml"
        if not path.is_file():
            problems.append(Problem(_display_name(path, faq_dir), "file", "missing interface strings"))
            continue
        data, found = read_yaml(path, faq_dir)
        problems.extend(found)
        if isinstance(data, dict):
            strings[lang] = {str(k): str(v).strip() for k, v in data.items() if v is not None}
        elif not found:
            problems.append(Problem(_display_name(path, faq_dir), "file", "must map keys to text"))
    return strings


def _load_sources(faq_dir: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    data, found = read_yaml(faq_dir / "sources.yaml", faq_dir)
    problems.extend(found)
    sources: dict[str, dict[str, str]] = {}
    for entry in data or []:
        if isinstance(entry, dict) and entry.get("id") is not None:
            sources[str(entry["id"])] = {str(k): str(v) for k, v in entry.items()}
    return sources
