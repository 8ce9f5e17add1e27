"""Building what the user reads: short, in their language, the most urgent step first, help at the end.

Pure functions from content and results to `Reply`; no I/O, no Telegram. Every fragment that comes from
the user (evidence quoted from an offer) is escaped here, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.load import Contact, Content, Topic
from bot.models import Button, CheckResult, Reply
from bot.text.markup import escape, to_plain

FALLBACK_LANG = "en"
# Help lines shown when nothing more specific is known: the reader's own government first.
GENERAL_CONTACTS = ("home-foreign-ministry", "iq-hotline", "ua-i-want-to-live")
# Offer-checker signs that mean the person may already be under pressure: the urgent path comes first.
URGENT_SIGNS = {"coercion-threat": "coerced-in-russia", "document-retention": "passport-taken"}
MAX_EVIDENCE_CHARS = 80
# Phone-sized first messages (issue 15), in visible characters (what to_plain shows): about one phone screen
# of text at the default font. The rest of a longer reply waits behind the "more" button.
ANSWER_BUDGET = 700
VERDICT_BUDGET = 900


@dataclass(frozen=True)
class Texts:
    """Interface strings with a fallback to English, so a missing translation never shows a raw key."""

    strings: dict[str, dict[str, str]]

    def get(self, key: str, lang: str, **fmt: object) -> str:
        table = self.strings.get(lang) or {}
        text = table.get(key) or self.strings.get(FALLBACK_LANG, {}).get(key) or key
        return text.format(**fmt) if fmt else text


def topic_title(topic: Topic, lang: str) -> str:
    entry = topic.langs.get(lang) or topic.langs.get(FALLBACK_LANG) or next(iter(topic.langs.values()))
    return entry.title


def _topic_entry(topic: Topic, lang: str):
    return topic.langs.get(lang) or topic.langs.get(FALLBACK_LANG) or next(iter(topic.langs.values()))


def contact_line(contact: Contact, lang: str, texts: Texts, with_note: bool = False) -> str:
    """One help channel, never claiming more than the sources verify."""
    name = escape(contact.name.get(lang) or contact.name.get(FALLBACK_LANG) or contact.id)
    if contact.value:
        status = "" if contact.verified else f" <i>({texts.get('contact_unverified', lang)})</i>"
        line = f"• {name}: <code>{escape(contact.value)}</code>{status}"
    else:
        line = f"• {name}: <i>{texts.get('contact_no_number', lang)}</i>"
    note = contact.note.get(lang) or contact.note.get(FALLBACK_LANG)
    if with_note and note:
        line += f"\n  {escape(note)}"
    return line


def contacts_block(content: Content, ids: tuple[str, ...], lang: str, texts: Texts, with_notes: bool = False) -> str:
    lines = [contact_line(content.contacts[c], lang, texts, with_notes) for c in ids if c in content.contacts]
    if not lines:
        return ""
    return texts.get("hotline_heading", lang) + "\n" + "\n".join(lines)


def contacts_for_country(content: Content, country: str | None) -> tuple[str, ...]:
    """Contacts for the user's country first, then those for everyone ("*")."""
    own = [c.id for c in content.contacts.values() if country and country in c.countries]
    general = [c.id for c in content.contacts.values() if "*" in c.countries and c.id not in own]
    return tuple(own + general)


def _main_buttons(texts: Texts, lang: str) -> tuple[Button, ...]:
    return (Button(texts.get("btn_hotline", lang), "hotline"), Button(texts.get("btn_check", lang), "check"))


def visible_len(html_text: str) -> int:
    return len(to_plain(html_text))


def fit_lines(head: list[str], lines: list[str], tail: list[str], budget: int) -> tuple[list[str], list[str]]:
    """The lines of `lines` that fit after `head` and before `tail` within `budget` visible characters, in
    order (a line that does not fit goes, and all after it, so the order of steps is never changed)."""
    used = sum(visible_len(part) + 2 for part in head + tail)
    kept: list[str] = []
    for number, line in enumerate(lines):
        if used + visible_len(line) + 1 > budget:
            return kept, lines[number:]
        kept.append(line)
        used += visible_len(line) + 1
    return kept, []


def more_button(texts: Texts, lang: str) -> tuple[Button, ...]:
    return (Button(texts.get("btn_more", lang), "more"),)


def answer_reply(content: Content, texts: Texts, topic: Topic, lang: str, urgent: bool = False) -> Reply:
    """The topic's answer: its first line (the most urgent step) and the bullets that fit one phone screen with
    the contact, the other bullets behind "more"."""
    entry = _topic_entry(topic, lang)
    head = [texts.get("urgent_heading", lang)] if urgent else []
    first, *bullets = entry.answer.strip().split("\n")
    block = contacts_block(content, topic.contacts or GENERAL_CONTACTS[:1], lang, texts)
    tail = [block] if block else []
    kept, rest = fit_lines([*head, first], bullets, tail, ANSWER_BUDGET)
    parts = [*head, "\n".join([first, *kept]), *tail]
    related = tuple(
        Button(topic_title(content.topics[r], lang), f"topic:{r}") for r in topic.related if r in content.topics
    )
    rows = (more_button(texts, lang) if rest else (), related[:2], _main_buttons(texts, lang))
    return Reply("\n\n".join(parts), lang, "urgent" if urgent else "answer", tuple(row for row in rows if row),
                 topic=topic.id, more="\n".join(rest))


def choices_reply(content: Content, texts: Texts, candidates: tuple[str, ...], lang: str) -> Reply:
    rows = tuple((Button(topic_title(content.topics[t], lang), f"topic:{t}"),) for t in candidates)
    rows += ((Button(texts.get("btn_none", lang), "none"),),)
    return Reply(texts.get("did_you_mean", lang), lang, "choices", rows, candidates=candidates)


def fallback_reply(content: Content, texts: Texts, lang: str, country: str | None = None) -> Reply:
    ids = contacts_for_country(content, country)[:3] if country else GENERAL_CONTACTS
    text = texts.get("fallback", lang) + "\n\n" + contacts_block(content, ids, lang, texts)
    return Reply(text.strip(), lang, "fallback", (_main_buttons(texts, lang),))


def hotline_reply(content: Content, texts: Texts, lang: str, country: str | None = None) -> Reply:
    ids = contacts_for_country(content, country) if country else tuple(content.contacts)
    text = contacts_block(content, ids, lang, texts, with_notes=True)
    return Reply(text, lang, "info", (_main_buttons(texts, lang)[1:],))


def evidence_quote(evidence: str) -> str:
    flat = " ".join(evidence.split())
    if len(flat) > MAX_EVIDENCE_CHARS:
        flat = flat[: MAX_EVIDENCE_CHARS - 1] + "…"
    return f"«{escape(flat)}»"


def check_reply(
    content: Content, texts: Texts, result: CheckResult, lang: str, sign_title, sign_explain
) -> Reply:
    """The offer checker's verdict, phone-sized: the verdict is the first line, then the urgent step if the
    person seems to be under pressure, the signs found (each with one quote in the original, its title in the
    reader's language as the gloss), what to do, where to get help; every sign explained behind "more"."""
    found = {hit.id for hit in result.signs}
    urgent_topic = next((URGENT_SIGNS[s] for s in URGENT_SIGNS if s in found and URGENT_SIGNS[s] in content.topics),
                        None)
    head: list[str] = []
    if result.report:
        verdict = texts.get("check_report", lang)
        if result.described:
            verdict += "\n" + texts.get("check_report_describes", lang) + " " + ", ".join(
                escape(sign_title(hit.id, lang)) for hit in result.described) + "."
        head.append(verdict)
    else:
        head.append(texts.get(f"risk_{result.risk}", lang))
    if urgent_topic:
        first_line = _topic_entry(content.topics[urgent_topic], lang).answer.split("\n", 1)[0]
        head.append(texts.get("urgent_heading", lang) + "\n" + first_line)
    short = [f"• <b>{escape(sign_title(hit.id, lang))}</b>"
             + (f" {evidence_quote(hit.evidence[0])}" if hit.evidence else "") for hit in result.signs]
    heading = [texts.get("check_signs_heading", lang)] if result.signs else []
    # As many of the general contacts as leave room for the first sign: the rest are one button away.
    for count in range(len(GENERAL_CONTACTS), 0, -1):
        tail = [texts.get("check_next_steps", lang), contacts_block(content, GENERAL_CONTACTS[:count], lang, texts)]
        tail = [part for part in tail if part]
        if sum(visible_len(part) + 2 for part in head + heading + short[:1] + tail) <= VERDICT_BUDGET:
            break
    kept, rest = fit_lines(head + heading, short, tail, VERDICT_BUDGET)
    if rest:  # say how many more there are: the person must not read a partial list as the whole
        room = VERDICT_BUDGET - visible_len(texts.get("check_more_signs", lang, count=len(short))) - 1
        kept, rest = fit_lines(head + heading, short, tail, room)
        kept.append(texts.get("check_more_signs", lang, count=len(rest)))
    parts = head + (["\n".join(heading + kept)] if result.signs else []) + tail
    detail = [texts.get("check_signs_heading", lang)] if result.signs else []
    for hit in result.signs:
        quotes = " ".join(evidence_quote(e) for e in hit.evidence[:2])
        detail.append(f"• <b>{escape(sign_title(hit.id, lang))}</b>: {escape(sign_explain(hit.id, lang))}"
                      + (f"\n  {quotes}" if quotes else ""))
    buttons: list[tuple[Button, ...]] = []
    if result.signs:
        buttons.append(more_button(texts, lang))
    if urgent_topic:
        buttons.append((Button(topic_title(content.topics[urgent_topic], lang), f"topic:{urgent_topic}"),))
    buttons.append((Button(texts.get("btn_signs", lang), "signs"), Button(texts.get("btn_hotline", lang), "hotline")))
    return Reply("\n\n".join(p for p in parts if p), lang, "check", tuple(buttons), risk=result.risk,
                 signs=tuple(hit.id for hit in result.signs), topic=urgent_topic, more="\n".join(detail))


def signs_reply(texts: Texts, lang: str, sign_ids: list[str], sign_title, sign_explain) -> Reply:
    lines = [texts.get("signs_heading", lang)]
    lines += [f"• <b>{escape(sign_title(s, lang))}</b>: {escape(sign_explain(s, lang))}" for s in sign_ids]
    return Reply("\n".join(lines), lang, "info", ((Button(texts.get("btn_check", lang), "check"),),))


def welcome_reply(texts: Texts, lang: str) -> Reply:
    buttons = (
        (Button(texts.get("btn_ask", lang), "ask"), Button(texts.get("btn_check", lang), "check")),
        (Button(texts.get("btn_hotline", lang), "hotline"), Button(texts.get("btn_signs", lang), "signs")),
        (Button(texts.get("btn_language", lang), "language"),),
    )
    return Reply(texts.get("welcome", lang), lang, "info", buttons)


def language_reply(texts: Texts, lang: str, languages: tuple[str, ...]) -> Reply:
    rows = tuple((Button(texts.get("language_name", code), f"lang:{code}"),) for code in languages)
    return Reply(texts.get("language_choose", lang), lang, "info", rows)
