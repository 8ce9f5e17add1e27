"""The HTML report NGOs share or print: the same protected figures as `scambot stats`, as one file.

Self-contained on purpose: inline CSS, inline SVG bar charts, no JavaScript, no fonts, images or links to
load. Opening it contacts no server, so it can be read offline, mailed, and opened where a third-party
request would tell someone that an NGO is looking at this data. A Content-Security-Policy meta tag
(default-src 'none', inline styles only) makes the browser refuse any request should one slip in.
"""

from __future__ import annotations

from html import escape

from bot.ngo.stats import BREAKDOWNS, COMPLEMENT, HIDDEN, TOTAL_LABELS, share_text

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "Noto Sans", "Noto Naskh Arabic", sans-serif;
       color: #1d2327; background: #fff; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #dcdcde; padding-bottom: .2rem; }
.period, .note { color: #50575e; }
.cards { display: flex; flex-wrap: wrap; gap: .6rem; margin: 1rem 0; }
.card { border: 1px solid #dcdcde; border-radius: 6px; padding: .5rem .8rem; min-width: 8rem; }
.card .n { font-size: 1.4rem; font-weight: 600; display: block; }
.card .label { color: #50575e; font-size: .85rem; }
table { border-collapse: collapse; margin: .5rem 0; }
th, td { padding: .15rem .6rem; text-align: left; border-bottom: 1px solid #f0f0f1; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, sans-serif; fill: #1d2327; }
.hidden-value { color: #8c8f94; }
@media print { body { margin: 0; } h2 { break-after: avoid; } svg, table { break-inside: avoid; } }
"""

BAR = "#2271b1"
HIDDEN_BAR = "#c3c4c7"
LABEL_WIDTH = 190
BAR_WIDTH = 420
ROW = 22


def _number(value: object) -> str:
    css = "" if isinstance(value, int) else ' class="hidden-value"'
    return f"<span{css}>{escape(str(value))}</span>"


def bar_chart(title: str, rows: list[list]) -> str:
    """Horizontal bars; hidden counts get a short grey stub and their label, never a length that tells."""
    numbers = [v for _, v in rows if isinstance(v, int)]
    top = max(numbers, default=1)
    height = ROW * len(rows) + 6
    parts = [f'<svg viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 70} {height}" width="{LABEL_WIDTH + BAR_WIDTH + 70}" '
             f'height="{height}" role="img" aria-label="{escape(title)}">']
    for i, (key, value) in enumerate(rows):
        y = i * ROW + 3
        label = str(key) if len(str(key)) <= 28 else str(key)[:27] + "…"
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>')
        if isinstance(value, int):
            width = max(2, round(BAR_WIDTH * value / top))
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{ROW - 6}" fill="{BAR}"/>')
        else:
            width = 8
            parts.append(f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width}" height="{ROW - 6}" '
                         f'fill="{HIDDEN_BAR}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + width + 6}" y="{y + 15}">{escape(str(value))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def day_chart(per_day: list[dict], column: str) -> str:
    """Vertical bars per day for one column; hidden days are grey stubs."""
    numbers = [d[column] for d in per_day if isinstance(d[column], int)]
    top = max(numbers, default=1)
    step = max(6, min(24, 720 // max(len(per_day), 1)))
    width, height, base = step * len(per_day) + 60, 180, 150
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
             f'aria-label="{escape(column)} per day">']
    parts.append(f'<text x="0" y="12">{escape(str(top)) if numbers else ""}</text>')
    for i, day in enumerate(per_day):
        value = day[column]
        x = 40 + i * step
        bar = round(120 * value / top) if isinstance(value, int) else 3
        fill = BAR if isinstance(value, int) else HIDDEN_BAR
        parts.append(f'<rect x="{x}" y="{base - bar}" width="{step - 2}" height="{bar}" fill="{fill}">'
                     f"<title>{escape(day['day'])}: {escape(str(value))}</title></rect>")
    first, last = per_day[0]["day"], per_day[-1]["day"]
    parts.append(f'<text x="40" y="{base + 18}">{escape(first)}</text>')
    parts.append(f'<text x="{width - 10}" y="{base + 18}" text-anchor="end">{escape(last)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="num">{_number(c)}</td>' if j else f"<td>{escape(str(c))}</td>" for j, c in enumerate(row)
        ) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_report(figures: dict, title: str = "Scam warning bot: reach and questions") -> str:
    """One HTML document for `figures` from bot.ngo.stats.collect."""
    period = figures["period"]
    cards = "".join(
        f'<div class="card" data-figure="{key}"><span class="n">{_number(figures["totals"][key])}</span>'
        f'<span class="label">{escape(label)}</span></div>'
        for key, label in TOTAL_LABELS.items()
    )
    cards += (f'<div class="card" data-figure="unanswered_share"><span class="n">{escape(share_text(figures))}</span>'
              '<span class="label">share of questions unanswered</span></div>')
    sections = []
    for key, heading in BREAKDOWNS:
        rows = figures[key]
        if not rows:
            continue
        sections.append(f'<section data-figure="{key}"><h2>{escape(heading)}</h2>{bar_chart(heading, rows)}'
                        f'{_table(["", "count"], rows)}</section>')
    per_day = figures["per_day"]
    day_sections = "".join(
        f"<h3>{escape(label)}</h3>{day_chart(per_day, column)}"
        for column, label in (("active_users", "Users active per day"), ("questions", "Questions per day"))
    )
    day_rows = [[d["day"], d["active_users"], d["new_users"], d["questions"], d["unanswered"], d["checks"]]
                for d in per_day]
    day_table = _table(["day", "users", "new users", "questions", "unanswered", "offers checked"], day_rows)
    note = (f"Counts under {figures['min_count']} are shown as “{HIDDEN}” so that no one can be singled out; "
            f"“{COMPLEMENT}” marks a count hidden so that a small one cannot be worked out from a total. "
            "No names, usernames or Telegram ids are stored; figures are daily counts.")
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>"
        f'<p class="period">Last {period["days"]} days: {escape(period["since"])} to {escape(period["until"])}</p>'
        f'<div class="cards">{cards}</div>'
        f"{''.join(sections)}"
        f'<section data-figure="per_day"><h2>Per day</h2>{day_sections}{day_table}</section>'
        f'<p class="note">{escape(note)}</p>'
        "</body></html>\n"
    )
