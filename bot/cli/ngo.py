"""The NGO commands of `scambot`: link, poster, stats, report, unmatched, broadcast (loaded lazily by cli/core)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import NoReturn

import click

from bot.config import Config
from bot.models import LANGUAGES
from bot.text.scrub import json_for_terminal, show_invisible


def _open_state(config: Config):
    from bot.state.store import State

    state = State.open(config.data_dir, config.retention_days, config.hash_key)
    if state.degraded:
        raise click.ClickException(f"cannot open the state database in {config.data_dir}: {state.degraded_reason}")
    return state


def _fail(message: str) -> NoReturn:
    """A usage problem: the message and exit status 2 (as click does for bad options)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def _bot_username(config: Config, given: str | None) -> str:
    """--bot, else TELEGRAM_BOT_USERNAME, else asked from Telegram with the token."""
    username = given or config.bot_username
    if username:
        return username
    if not config.token:
        _fail("give the bot's username with --bot or TELEGRAM_BOT_USERNAME (or set TELEGRAM_BOT_TOKEN)")
    from bot.telegram.transport import fetch_username

    try:
        return asyncio.run(fetch_username(config.token, config.api_base_url))
    except Exception as error:  # any failure to reach Telegram gets the same advice
        raise click.ClickException(f"could not ask Telegram for the bot's username ({error}); use --bot") from None


# -- link -------------------------------------------------------------------------------------------------

@click.command()
@click.option("--source", help="Where the link is shared (1-50 letters, digits, - or _), e.g. basra_uni_poster.")
@click.option("--lang", help="Language the bot greets in: ar, ckb, en, fr or ru.")
@click.option("--bot", "bot_username",
              help="The bot's username (default: TELEGRAM_BOT_USERNAME, else asked from Telegram with the token).")
@click.option("--qr", "qr_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write a QR code PNG.")
@click.pass_obj
def link(config: Config, source: str | None, lang: str | None, bot_username: str | None, qr_path: Path | None) -> None:
    """Print a reach link (t.me deep link) for a poster or post; with --qr, its QR code too."""
    from bot.ngo.links import deep_link, start_payload, write_qr

    try:
        start_payload(source, lang)  # validate before anything slow
    except ValueError as error:
        _fail(str(error))
    username = _bot_username(config, bot_username)
    try:
        url = deep_link(username, source, lang)
    except ValueError as error:
        _fail(str(error))
    click.echo(url)
    if qr_path:
        width, height = write_qr(url, qr_path)
        click.echo(f"QR code: {qr_path} ({width}x{height} px, high error correction)", err=True)


# -- poster -----------------------------------------------------------------------------------------------

@click.command()
@click.option("--lang", "langs", required=True, multiple=True, type=click.Choice([*LANGUAGES, "all"]),
              help="The poster's language (repeat it, or 'all' for one poster per language).")
@click.option("--bot", "bot_username",
              help="The bot's username (default: TELEGRAM_BOT_USERNAME, else asked from Telegram with the token).")
@click.option("--source", help="Where the poster hangs (1-50 letters, digits, - or _): counted per source.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="poster.pdf to print, poster.png for social media; with several languages, -<lang> is "
                   "added before the extension.")
@click.option("--size", type=click.Choice(["a4", "a5"]), default="a4", show_default=True, help="Paper size.")
@click.option("--sign", "signs", multiple=True, metavar="SIGN_ID",
              help="A warning sign to show (ids in faq/signs.yaml; repeat it). Default: the language's poster_signs.")
@click.option("--font-dir", type=click.Path(file_okay=False, exists=True, path_type=Path), envvar="SCAMBOT_FONT_DIR",
              help="Folder with the Noto fonts (default: where fonts-noto-core installs them).")
@click.pass_obj
def poster(config: Config, langs: tuple[str, ...], bot_username: str | None, source: str | None, output: Path,
           size: str, signs: tuple[str, ...], font_dir: Path | None) -> None:
    """Write a printable poster: the bot's name, a QR code of its reach link, the link written out, a call
    to action and three warning signs, in the poster's language (Arabic and Sorani right to left).

    \b
    Examples:
      scambot poster --lang ar --bot ScamCheckBot --source basra_uni --output poster.pdf
      scambot poster --lang all --bot ScamCheckBot --source erbil_fair --size a5 -o erbil.pdf
      scambot poster --lang en --bot ScamCheckBot -o post.png
    """
    from bot.content.load import load_content
    from bot.ngo.links import deep_link, start_payload
    from bot.ngo.poster import PosterError, find_fonts, make_poster, poster_text
    from bot.offers import SignCatalogue

    kind = output.suffix.lower().lstrip(".")
    if kind not in ("pdf", "png"):
        _fail(f"the output must end in .pdf or .png, not {output.name!r}")
    codes = list(LANGUAGES) if "all" in langs else list(dict.fromkeys(langs))
    try:
        start_payload(source, codes[0])  # validate before anything slow
    except ValueError as error:
        _fail(str(error))
    username = _bot_username(config, bot_username)
    try:
        fonts = find_fonts(font_dir)
        content = load_content(config.faq_dir)
        catalogue = SignCatalogue.load(config.faq_dir / "signs.yaml")
        for lang in codes:
            url = deep_link(username, source, lang)
            text = poster_text(content.strings[lang], catalogue.title, lang, username, url, list(signs))
            path = output if len(codes) == 1 else output.with_name(f"{output.stem}-{lang}{output.suffix}")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(make_poster(text, fonts, kind, size))  # type: ignore[arg-type]
            click.echo(f"{path}  ({lang}, {size.upper()}, {url})")
    except (PosterError, ValueError) as error:
        _fail(str(error))


# -- stats and report -------------------------------------------------------------------------------------

@click.command()
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3660), help="How many days back.")
@click.option("--json", "as_json", is_flag=True, help="The figures as JSON.")
@click.pass_obj
def stats(config: Config, days: int, as_json: bool) -> None:
    """Users, questions, languages, sources, topics and warning signs (counts under 5 shown as "<5")."""
    from bot.ngo.stats import collect, stats_table

    state = _open_state(config)
    figures = collect(state, days)
    # Sources and countries come from users: nothing in them may act on the terminal (bot/text/scrub.py).
    click.echo(json_for_terminal(figures, indent=1) if as_json else show_invisible(stats_table(figures)))


@click.command()
@click.option("--html", "--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The HTML file to write.")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3660), help="How many days back.")
@click.pass_obj
def report(config: Config, out_path: Path, days: int) -> None:
    """Write a self-contained HTML report (charts included, nothing loaded from the internet)."""
    from bot.ngo.report import render_report
    from bot.ngo.stats import collect

    state = _open_state(config)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(render_report(collect(state, days)), encoding="utf-8")
    click.echo(f"report written: {out_path}", err=True)


# -- unmatched --------------------------------------------------------------------------------------------

@click.command()
@click.option("--jsonl", is_flag=True, help='One JSON group per line: {"count", "langs", "examples", ...}.')
@click.option("--threshold", default=70.0, show_default=True, type=click.FloatRange(0, 100),
              help="Similarity (0-100) a question needs to join a group.")
@click.option("--limit", type=click.IntRange(1), help="Show only the largest groups.")
@click.pass_obj
def unmatched(config: Config, jsonl: bool, threshold: float, limit: int | None) -> None:
    """Unanswered questions grouped by similarity, largest groups first (to decide new topics)."""
    from bot.ngo.unmatched import group_unanswered, groups_text

    state = _open_state(config)
    state.purge_expired()  # never show what the retention period says is gone
    groups = group_unanswered(state.unanswered(), threshold)
    if jsonl:
        for group in groups[:limit] if limit else groups:
            click.echo(json_for_terminal(group))
    else:
        # Questions are user text: an escape sequence or a bidi override is shown, never obeyed.
        click.echo(show_invisible(groups_text(groups, limit)))


# -- broadcast --------------------------------------------------------------------------------------------

@click.command()
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--resume", is_flag=True, help="Finish every interrupted alert (no FILE needed).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--rate", default=25.0, show_default=True, type=click.FloatRange(0.1, 1000), help="Messages per second.")
@click.option("--dry-run", is_flag=True, help="Show who would get which text; send nothing.")
@click.pass_obj
def broadcast(config: Config, file: Path | None, resume: bool, yes: bool, rate: float, dry_run: bool) -> None:
    """Send the alert in FILE to every subscriber, each in their language; resumes if interrupted.

    FILE is YAML ({ar: ..., en: ...} or a single text) or plain text with blocks starting "ar:", "en:"
    (a plain text alone goes to everyone). Running it again with the same FILE continues where it stopped.
    """
    from bot.ngo import broadcast as bc

    if not file and not resume:
        _fail("give the FILE with the alert, or --resume")
    texts: dict[str, str] = {}
    if file:
        try:
            texts = bc.load_texts(file)
            bc.validate_texts(texts)
        except ValueError as error:
            _fail(str(error))
    if not config.token and not dry_run:
        _fail("TELEGRAM_BOT_TOKEN is not set")
    state = _open_state(config)

    alert_ids = state.pending_alerts() if resume else []
    if file:
        unfinished = state.pending_alerts(bc.alert_digest(texts))
        if unfinished:
            click.echo(f"alert {unfinished[0]} with this text was interrupted: resuming it", err=True)
            alert_ids = [*alert_ids, *(a for a in unfinished[:1] if a not in alert_ids)]
        elif dry_run:
            _dry_run(state, texts)
            return
        else:
            subscribers = state.subscriber_count()
            if not yes:
                click.confirm(f"Send this alert to {subscribers} subscriber(s)?", abort=True, err=True)
            alert_ids.append(bc.create_alert(state, texts))
    if not alert_ids:
        click.echo("nothing to send", err=True)
        return
    if dry_run:
        for alert_id in alert_ids:
            click.echo(f"alert {alert_id}: {state.delivery_counts(alert_id)}")
        return
    results = asyncio.run(_deliver_all(config, state, alert_ids, rate))
    stopped = False
    for result in results:
        click.echo(
            f"alert {result['alert_id']}: {result['sent']} sent, {result['blocked']} blocked (unsubscribed), "
            f"{result['failed']} failed, {result['pending']} pending, of {result['total']}"
        )
        stopped = stopped or result["pending"] > 0
    if stopped:
        click.echo("stopped before the end: run the same command again to continue", err=True)
        sys.exit(1)


def _dry_run(state, texts: dict[str, str]) -> None:
    from collections import Counter

    from bot.ngo.broadcast import text_for

    langs = Counter(row["lang"] or "?" for row in state.subscribers())
    click.echo(f"{sum(langs.values())} subscriber(s) would receive this alert" + (":" if langs else "."))
    for lang, n in sorted(langs.items()):
        click.echo(f"{n} subscriber(s) [{lang}]: {text_for(texts, lang)[:70]!r}")


async def _deliver_all(config: Config, state, alert_ids: list[int], rate: float) -> list[dict]:
    from bot.ngo.broadcast import deliver
    from bot.telegram.alerts import BotTextSender, make_bot

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # finish the messages in flight, then stop
        loop.add_signal_handler(signum, stop.set)
    results = []
    assert config.token, "checked by the broadcast command before sending"
    async with make_bot(config.token, config.api_base_url) as bot:
        for alert_id in alert_ids:
            if stop.is_set():
                break
            with click.progressbar(length=1, label=f"alert {alert_id}", file=sys.stderr) as bar:
                async def progress(done: int, total: int, bar=bar) -> None:
                    bar.length = max(total, 1)
                    bar.update(done - bar.pos)

                results.append(await deliver(BotTextSender(bot), state, alert_id, rate=rate, progress=progress,
                                             progress_interval=0.2, stop=stop))
    for alert_id in alert_ids[len(results):]:  # not started: report them as they are
        counts = state.delivery_counts(alert_id)
        results.append({"alert_id": alert_id, "total": sum(counts.values()), **counts})
    return results
