"""Statistics for NGOs: how many people the bot reaches, in which languages, through which outreach, about what.

Everything comes from the state's aggregates (daily counters, distinct users per day, new users per first
day); no figure is ever about one person. Small counts could still single someone out ("the only Kurdish
speaker from the Basra poster"), so:
- every count from 1 to MIN_COUNT - 1 is shown as "<5" (primary suppression); zero is shown as 0, since
  "nobody" singles no one out and a new NGO must tell "nothing happened" from "a few people";
- when exactly one entry of a breakdown that adds up to a published total is hidden, the next smallest
  is shown as ">=5" too, otherwise the hidden one could be worked out by subtracting the others from the
  total (complementary suppression);
- hidden entries are listed after the shown ones, in name order, so their order reveals nothing.

`collect` returns plain data (JSON-ready) used by `scambot stats`, the admin /stats and the HTML report.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

MIN_COUNT = 5
HIDDEN = "<5"
COMPLEMENT = ">=5"
TOP = 10
TELEGRAM_LIMIT = 4096

Value = int | str  # an int >= MIN_COUNT, HIDDEN or COMPLEMENT

# Labels for the missing value of each dimension: listed, so that a breakdown adds up to its total.
NO_SOURCE = "(direct)"
NO_LANG = "(not set)"
NO_COUNTRY = "(not chosen)"


def protect(counts: dict[str, int], complement: bool = True) -> dict[str, Value]:
    """Suppress small counts, plus one complementary entry when only one is small (see module doc).

    `complement=False` for breakdowns whose sum is not published (topics, signs): nothing to subtract from.
    """
    shown: dict[str, Value] = {key: protect_total(n) for key, n in counts.items()}
    hidden = [key for key, value in shown.items() if value == HIDDEN]
    visible = sorted((n, key) for key, n in counts.items() if shown[key] != HIDDEN and n > 0)
    if complement and len(hidden) == 1 and visible:
        shown[visible[0][1]] = COMPLEMENT
    return shown


def protect_total(n: int) -> Value:
    return n if n >= MIN_COUNT or n == 0 else HIDDEN


def ordered(values: dict[str, Value], limit: int | None = None) -> list[list[Any]]:
    """[[key, value], ...]: shown values largest first, then the hidden ones by name; at most `limit`."""
    shown = sorted(((k, v) for k, v in values.items() if isinstance(v, int)), key=lambda kv: (-kv[1], kv[0]))
    hidden = sorted((k, v) for k, v in values.items() if not isinstance(v, int))
    rows = [[k, v] for k, v in shown + hidden]
    return rows[:limit] if limit else rows


def _days(since: date, until: date) -> list[str]:
    return [(since + timedelta(days=i)).isoformat() for i in range((until - since).days + 1)]


def collect(state, days: int = 30, today: str | None = None) -> dict:
    """The figures for the last `days` days (today included), every count protected."""
    until = date.fromisoformat(today) if today else datetime.now(UTC).date()
    since = until - timedelta(days=max(days, 1) - 1)
    day_list = _days(since, until)
    counters: dict[str, Counter[str]] = {}
    per_day: dict[str, Counter[str]] = {}
    for row in state.counter_rows(since.isoformat()):
        if row["day"] > until.isoformat():
            continue
        counters.setdefault(row["metric"], Counter())[row["key"]] += row["n"]
        per_day.setdefault(row["metric"], Counter())[row["day"]] += row["n"]
    active = {r["day"]: r["users"] for r in state.active_users_by_day(since.isoformat())}
    new_by: dict[str, Counter[str]] = {"day": Counter(), "lang": Counter(), "source": Counter(), "country": Counter()}
    for row in state.new_user_rows(since.isoformat()):
        if row["day"] > until.isoformat():
            continue
        new_by["day"][row["day"]] += row["n"]
        new_by["lang"][row["lang"] or NO_LANG] += row["n"]
        new_by["source"][row["source"] or NO_SOURCE] += row["n"]
        new_by["country"][row["country"] or NO_COUNTRY] += row["n"]

    def metric(name: str) -> Counter[str]:
        return counters.get(name, Counter())

    def series(counter: Counter[str]) -> dict[str, Value]:
        return protect({day: counter.get(day, 0) for day in day_list})

    questions = sum(metric("questions").values())
    answered = sum(metric("answered").values())
    unanswered = sum(metric("unanswered").values())
    if questions == 0:  # nothing asked: zeros reveal no one
        outcome: dict[str, Value] = {"answered": 0, "unanswered": 0}
    else:
        outcome = protect({"answered": answered, "unanswered": unanswered}) if questions >= MIN_COUNT else {}
    both_shown = isinstance(outcome.get("unanswered"), int) and isinstance(outcome.get("answered"), int)
    share = round(100 * unanswered / questions) if questions and both_shown else None
    columns = {
        "active_users": series(Counter(active)),
        "new_users": series(new_by["day"]),
        "questions": series(per_day.get("questions", Counter())),
        "unanswered": series(per_day.get("unanswered", Counter())),
        "checks": series(per_day.get("checks", Counter())),
    }
    return {
        "period": {"days": len(day_list), "since": since.isoformat(), "until": until.isoformat()},
        "min_count": MIN_COUNT,
        "totals": {
            "active_users": protect_total(state.active_users_total(since.isoformat())),
            "new_users": protect_total(sum(new_by["day"].values())),
            "questions": protect_total(questions),
            "answered": outcome.get("answered", HIDDEN),
            "unanswered": outcome.get("unanswered", HIDDEN),
            "checks": protect_total(sum(metric("checks").values())),
            "subscribers": protect_total(state.subscriber_count()),
        },
        "unanswered_share": share,  # percent, or None when hiding a small count
        "per_day": [{"day": day, **{name: column[day] for name, column in columns.items()}} for day in day_list],
        "questions_by_language": ordered(protect(dict(metric("questions")))),
        "unanswered_by_language": ordered(protect(dict(metric("unanswered")))),
        "checks_by_language": ordered(protect(dict(metric("checks")))),
        # Questions from users without a source are not counted per source: this sum is no published total.
        "questions_by_source": ordered(protect(dict(metric("source")), complement=False)),
        "new_users_by_language": ordered(protect(dict(new_by["lang"]))),
        "new_users_by_source": ordered(protect(dict(new_by["source"]))),
        "new_users_by_country": ordered(protect(dict(new_by["country"]))),
        "top_topics": ordered(protect(dict(metric("topic")), complement=False), TOP),
        "top_signs": ordered(protect(dict(metric("sign")), complement=False), TOP),
        "risk": ordered(protect(dict(metric("risk")))),
    }


# -- presentation -------------------------------------------------------------------------------------

TOTAL_LABELS = {
    "active_users": "users active",
    "new_users": "new users",
    "questions": "questions",
    "answered": "answered",
    "unanswered": "unanswered",
    "checks": "offers checked",
    "subscribers": "alert subscribers",
}

BREAKDOWNS = [
    ("questions_by_language", "Questions per language"),
    ("new_users_by_language", "New users per language"),
    ("new_users_by_source", "New users per source (reach link)"),
    ("questions_by_source", "Questions per source"),
    ("new_users_by_country", "New users per country chosen"),
    ("top_topics", "Top topics"),
    ("top_signs", "Top warning signs found in checked offers"),
    ("risk", "Checked offers per risk level"),
    ("checks_by_language", "Offers checked per language"),
    ("unanswered_by_language", "Unanswered questions per language"),
]

DAY_COLUMNS = ["active_users", "new_users", "questions", "unanswered", "checks"]


def share_text(figures: dict) -> str:
    share = figures.get("unanswered_share")
    return f"{share}%" if share is not None else f"hidden (a count under {figures['min_count']})"


def sections(figures: dict, top: int = TOP, last_days: int | None = None) -> list[tuple[str, list[list[str]]]]:
    """The figures as (title, rows of cells): the one layout the text, Telegram and HTML outputs share."""
    period = figures["period"]
    out: list[tuple[str, list[list[str]]]] = []
    totals = [[label, str(figures["totals"][key])] for key, label in TOTAL_LABELS.items()]
    totals.append(["share unanswered", share_text(figures)])
    out.append((f"Last {period['days']} days ({period['since']} to {period['until']})", totals))
    for key, title in BREAKDOWNS:
        rows = [[str(k), str(v)] for k, v in figures[key][:top]]
        if rows:
            out.append((title, rows))
    days = figures["per_day"][-last_days:] if last_days else figures["per_day"]
    header = ["day", "users", "new", "questions", "unanswered", "checks"]
    out.append(("Per day", [header, *[[d["day"], *(str(d[c]) for c in DAY_COLUMNS)] for d in days]]))
    return out


def _table(rows: Iterable[list[str]]) -> list[str]:
    rows = list(rows)
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
    return ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
            for row in rows]


def stats_table(figures: dict) -> str:
    """Plain text for the terminal."""
    lines = []
    for title, rows in sections(figures):
        lines += [title, "-" * len(title), *_table(rows), ""]
    if anything_hidden(figures):
        lines.append(f'Counts under {figures["min_count"]} are shown as "{HIDDEN}"; "{COMPLEMENT}" marks a count '
                     f"hidden so that a small one cannot be worked out from the total.")
    return "\n".join(lines)


def anything_hidden(figures: dict) -> bool:
    """Whether any count is hidden: the legend is shown only then."""
    def walk(node: Any) -> bool:
        if isinstance(node, dict):
            return any(walk(v) for v in node.values())
        if isinstance(node, list):
            return any(walk(v) for v in node)
        return node in (HIDDEN, COMPLEMENT)
    return walk(figures)


def stats_text(figures: dict) -> str:
    """Telegram HTML for the admin /stats, within Telegram's 4096 characters (lists shortened to fit)."""
    for top, last_days in ((TOP, 14), (5, 7), (3, 7), (3, 3), (1, 1)):
        parts = []
        for title, rows in sections(figures, top=top, last_days=last_days):
            parts.append(f"<b>{html.escape(title)}</b>\n<pre>{html.escape(chr(10).join(_table(rows)))}</pre>")
        parts.append(html.escape(f"{HIDDEN}: fewer than {figures['min_count']}; {COMPLEMENT}: hidden to protect "
                                 f"a small count. Full figures: scambot stats / scambot report."))
        text = "\n".join(parts)
        if len(text) <= TELEGRAM_LIMIT:
            return text
    return text[: TELEGRAM_LIMIT - 1] + "…"
