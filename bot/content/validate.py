"""`scambot faq check`: every problem in `faq/`, named by file and entry.

Fatal problems stop the bot from serving the content (Telegram would refuse the message, or a button
would lead nowhere); the others are reported and block CI, but a running bot keeps serving.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.content.load import Content, Problem, load_content
from bot.content.trace import check_faq_figures, check_research_figures
from bot.models import LANGUAGES
from bot.text.markup import html_problem
from bot.text.normalize import normalize

MAX_ANSWER_CHARS = 900
MAX_TITLE_CHARS = 40
MIN_EXAMPLES = 12
MAX_RELATED = 3
TOPICS_WITHOUT_SOURCES = frozenset({"about-bot"})
# Topics the product promises (buttons, inline defaults and the urgent path refer to them).
REQUIRED_TOPICS = (
    "study-offer", "job-offer", "travel-agency-visa", "money-promises", "citizenship-promises",
    "contract-in-russian", "coerced-in-russia", "passport-taken", "family-help", "prisoner-of-war", "hotline",
    "report-recruiter", "legal-risks", "join-voluntarily", "verify-offer", "social-media-recruiters",
    "alabuga-women-program", "scale-of-problem", "about-bot",
)

# A contact written into an answer would bypass the verified flag in contacts.yaml.
_CONTACT_IN_TEXT = re.compile(r"(?:https?://|www\.|t\.me/|\+?\d[\d\s\-]{6,}\d|(?<![\w.])@[A-Za-z]\w{3,})")


def check_faq(faq_dir: Path, contacts_override: Path | None = None,
              required_topics: tuple[str, ...] = REQUIRED_TOPICS) -> list[Problem]:
    """All problems in the content, loading it first."""
    content = load_content(faq_dir, contacts_override)
    return content.problems + check_content(content, faq_dir, required_topics)


def check_content(content: Content, faq_dir: Path,
                  required_topics: tuple[str, ...] = REQUIRED_TOPICS) -> list[Problem]:
    sign_ids, problems = _sign_ids(faq_dir, set(content.sources))
    problems += [Problem(f"faq/topics/{t}.yaml", t, "required topic missing", fatal=False)
                 for t in required_topics if t not in content.topics]
    problems += _check_topics(content, sign_ids)
    problems += _check_duplicate_examples(content)
    problems += _check_strings(content)
    problems += _check_contacts(content)
    problems += check_faq_figures(content, faq_dir)  # sources cited; every language states the same figures
    return problems


def check_faq_research(faq_dir: Path, research_dir: Path, contacts_override: Path | None = None) -> list[Problem]:
    """Every figure in faq/ held to a note of a source its entry cites (needs shared/research/)."""
    content = load_content(faq_dir, contacts_override)
    return check_research_figures(content, faq_dir, research_dir)


def _sign_ids(faq_dir: Path, source_ids: set[str]) -> tuple[set[str] | None, list[Problem]]:
    """Sign ids from the offer checker's catalogue (None when it cannot be read: no id check then)."""
    path = faq_dir / "signs.yaml"
    if not path.is_file():
        return None, [Problem("faq/signs.yaml", "file", "missing warning-sign catalogue")]
    try:
        from bot.offers.checker import SignCatalogue
    except ImportError:  # the checker is optional for content-only checks
        return None, []
    try:
        catalogue = SignCatalogue.load(path)
    except Exception as error:  # any failure to load is a content problem to report
        return None, [Problem("faq/signs.yaml", "file", f"cannot load: {error}")]
    problems = [Problem("faq/signs.yaml", entry, message) for entry, message in catalogue.validate(source_ids)]
    return set(catalogue.ids), problems


def _check_topics(content: Content, sign_ids: set[str] | None) -> list[Problem]:
    problems: list[Problem] = []
    for topic in content.topics.values():
        file = topic.file
        for lang in LANGUAGES:
            if lang not in topic.langs:
                problems.append(Problem(file, topic.id, f"missing language {lang}"))
        for lang, entry in topic.langs.items():
            where = f"{topic.id}.{lang}"
            if len(entry.answer) > MAX_ANSWER_CHARS:
                problems.append(Problem(file, where, f"answer too long: {len(entry.answer)} characters "
                                        f"(max {MAX_ANSWER_CHARS})", fatal=False))
            if len(entry.title) > MAX_TITLE_CHARS:
                problems.append(Problem(file, where, f"title too long for a button: {len(entry.title)} "
                                        f"characters (max {MAX_TITLE_CHARS})", fatal=False))
            for field_name, text in (("title", entry.title), ("answer", entry.answer)):
                reason = html_problem(text)
                if reason:
                    problems.append(Problem(file, f"{where}.{field_name}", f"broken markup: {reason}"))
            if _CONTACT_IN_TEXT.search(entry.answer):
                problems.append(Problem(file, f"{where}.answer", "looks like a phone number, link or handle; "
                                        "contacts belong in contacts.yaml with their verification", fatal=False))
            if len(entry.examples) < MIN_EXAMPLES:
                problems.append(Problem(file, where, f"only {len(entry.examples)} example questions "
                                        f"(at least {MIN_EXAMPLES})", fatal=False))
        for sign in topic.signs:
            if sign_ids is not None and sign not in sign_ids:
                problems.append(Problem(file, topic.id, f"unknown sign id {sign!r}"))
        for related in topic.related:
            if related not in content.topics:
                problems.append(Problem(file, topic.id, f"unknown related topic {related!r}"))
        if len(topic.related) > MAX_RELATED:
            problems.append(Problem(file, topic.id, f"at most {MAX_RELATED} related topics", fatal=False))
        for contact in topic.contacts:
            if contact not in content.contacts:
                problems.append(Problem(file, topic.id, f"unknown contact id {contact!r}"))
        for source in topic.sources:
            if source not in content.sources:
                problems.append(Problem(file, topic.id, f"unknown source id {source!r}", fatal=False))
        if not topic.sources and topic.id not in TOPICS_WITHOUT_SOURCES:
            problems.append(Problem(file, topic.id, "missing source: name the sources of its facts", fatal=False))
    return problems


def _check_duplicate_examples(content: Content) -> list[Problem]:
    """The same question under two topics makes the matcher toss a coin between them."""
    seen: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for topic in content.topics.values():
        for lang, entry in topic.langs.items():
            for example in entry.examples:
                key = (lang, normalize(example))
                if not key[1]:
                    problems.append(Problem(topic.file, f"{topic.id}.{lang}", f"empty example {example!r}"))
                    continue
                owner = seen.setdefault(key, topic.id)
                if owner != topic.id:
                    problems.append(Problem(topic.file, f"{topic.id}.{lang}",
                                            f"example {example!r} also in topic {owner}", fatal=False))
    return problems


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _check_strings(content: Content) -> list[Problem]:
    problems: list[Problem] = []
    reference = content.strings.get("en", {})
    for lang, strings in content.strings.items():
        file = f"faq/strings/{lang}.yaml"
        for key in reference:
            if key not in strings:
                problems.append(Problem(file, key, "missing (present in en.yaml)"))
            elif _placeholders(strings[key]) != _placeholders(reference[key]):
                problems.append(Problem(file, key, f"placeholders differ from en.yaml: "
                                        f"{sorted(_placeholders(reference[key]))}"))
        for key, text in strings.items():
            if key not in reference:
                problems.append(Problem(file, key, "not in en.yaml (typo?)", fatal=False))
            reason = html_problem(text)
            if reason:
                problems.append(Problem(file, key, f"broken markup: {reason}"))
    return problems


def _check_contacts(content: Content) -> list[Problem]:
    problems: list[Problem] = []
    for contact in content.contacts.values():
        file = "contacts override" if contact.from_deployer else "faq/contacts.yaml"
        if contact.verified and not contact.value:
            problems.append(Problem(file, contact.id, "verified but has no value"))
        if not contact.from_deployer:
            if contact.source is None:
                problems.append(Problem(file, contact.id, "missing source"))
            elif contact.source not in content.sources:
                problems.append(Problem(file, contact.id, f"unknown source id {contact.source!r}", fatal=False))
        for lang in LANGUAGES:
            if lang not in contact.name:
                problems.append(Problem(file, contact.id, f"missing name in {lang}", fatal=not contact.from_deployer))
    return problems
