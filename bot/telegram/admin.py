"""Admin commands for NGO staff (user ids in SCAMBOT_ADMINS): /stats, /reload, /broadcast.

To anyone else these commands do not exist: they get unknown_command, and the attempt is logged without
anything of who tried (no reference, no text). Admin replies are in English: they are for staff, not for users.
The NGO modules (bot.ngo.stats, bot.ngo.broadcast) are imported when used, so a missing or broken one disables
its command instead of the bot.
"""

from __future__ import annotations

import asyncio
import functools
import logging

from telegram import Bot, Update

from bot.content.load import ContentError
from bot.engine import Engine
from bot.telegram.alerts import BotTextSender
from bot.telegram.handlers import (
    Context,
    Handler,
    command_argument,
    guarded,
    log_exception,
    reply_to,
    services,
    unknown_command,
)
from bot.telegram.send import send_html, with_retries
from bot.text.markup import escape

log = logging.getLogger(__name__)

MAX_PROBLEMS_SHOWN = 15
MAX_PROBLEM_CHARS = 3500


def admin_only(handler: Handler) -> Handler:
    @functools.wraps(handler)
    async def inner(update: Update, context: Context) -> None:
        user = update.effective_user
        if user.id not in services(context).config.admins:
            # Nothing of who: not even part of the reference, which with the key (or enough attempts) names them.
            log.warning("a non-admin tried an admin command")
            await unknown_command(update, context)
            return
        await handler(update, context)

    return inner


@guarded
@admin_only
async def cmd_stats(update: Update, context: Context) -> None:
    state = services(context).state
    if state.degraded:
        await reply_to(update, context, "<b>Statistics are off</b>: the state database cannot be written "
                                        f"({escape(state.degraded_reason[:300])}). The bot keeps answering.")
        return
    try:
        from bot.ngo import stats
    except ImportError:
        await reply_to(update, context, "Statistics are not available in this version (bot.ngo.stats is missing).")
        return
    text = await asyncio.to_thread(lambda: stats.stats_text(stats.collect(state)))
    await reply_to(update, context, text)


@guarded
@admin_only
async def cmd_reload(update: Update, context: Context) -> None:
    """Reload faq/: the new content replaces the old only if it is valid; otherwise the old one stays."""
    svc = services(context)
    config = svc.config
    from bot.content.validate import check_faq

    problems = await asyncio.to_thread(check_faq, config.faq_dir, config.contacts_override)
    fatal = [p for p in problems if p.fatal]
    if fatal:
        await reply_to(update, context, problems_text("Not reloaded: the content has errors. The bot keeps "
                                                      "the previous content.", fatal))
        return
    try:
        engine = await asyncio.to_thread(Engine.load, config)
    except ContentError as error:
        await reply_to(update, context, problems_text("Not reloaded; the previous content stays.", error.problems))
        return
    await asyncio.to_thread(engine.warm_up)  # before it serves, as at start
    svc.engine = engine
    warnings = f" ({len(problems)} warnings: see <code>scambot faq check</code>)" if problems else ""
    await reply_to(update, context, f"Reloaded: {len(engine.topic_ids)} topics{warnings}.")


def problems_text(heading: str, problems: list) -> str:
    """The problems, escaped, at most MAX_PROBLEMS_SHOWN of them and MAX_PROBLEM_CHARS in all."""
    lines = [f"<b>{escape(heading)}</b>"]
    for problem in problems[:MAX_PROBLEMS_SHOWN]:
        line = "• " + escape(str(problem)[:300])
        if sum(len(x) + 1 for x in lines) + len(line) > MAX_PROBLEM_CHARS:
            break
        lines.append(line)
    if len(lines) - 1 < len(problems):
        lines.append(f"… and {len(problems) - (len(lines) - 1)} more")
    return "\n".join(lines)


@guarded
@admin_only
async def cmd_broadcast(update: Update, context: Context) -> None:
    svc = services(context)
    message = update.effective_message
    try:
        from bot.ngo import broadcast
    except ImportError:
        await reply_to(update, context, "Broadcasting is unavailable in this version (bot.ngo.broadcast is missing).")
        return
    if not command_argument(message):
        await reply_to(update, context, "Usage: <code>/broadcast TEXT</code>, or one block per language starting "
                                        "with <code>ar:</code>, <code>ckb:</code>, <code>en:</code>, "
                                        "<code>fr:</code>, <code>ru:</code>.")
        return
    # Updates are delivered at least once (bot/telegram/polling.py): after a crash this very message can be
    # handled again. The alert made from it then goes on by itself (resumed at start); no second one is made.
    request = svc.state.request_ref(message.chat_id, message.message_id)
    earlier = svc.state.alert_for_request(request)
    if earlier is not None:
        log.info("alert %s: its /broadcast came again (redelivered after a restart); not sent twice", earlier)
        await reply_to(update, context, f"Alert {earlier} was already made from this message; its delivery "
                                        "continues (not sent twice).")
        return
    try:
        texts = broadcast.parse_broadcast(message.text or "")
        alert_id = broadcast.create_alert(svc.state, texts, request)
    except (ValueError, RuntimeError) as error:
        await reply_to(update, context, f"Not sent: {escape(str(error))[:500]}")
        return
    except AttributeError:  # the state module does not store alerts yet
        await reply_to(update, context, "Broadcasting is unavailable: the state cannot store alerts.")
        return
    progress_message = await send_html(context.bot, message.chat_id, f"Alert {alert_id}: starting…")
    start_delivery(context.application, svc, alert_id, progress_message)


def start_delivery(application, svc, alert_id: int, progress_message=None) -> None:
    """Deliver an alert in the background; the admin's progress message is edited in place."""
    svc.background(_deliver(application.bot, svc, alert_id, progress_message), f"alert-{alert_id}")


async def _deliver(bot: Bot, svc, alert_id: int, progress_message) -> None:
    from bot.ngo import broadcast

    last_text = [""]

    async def progress(done: int, total: int) -> None:
        text = f"Alert {alert_id}: {done}/{total} delivered."
        if progress_message is None or text == last_text[0]:
            return
        last_text[0] = text
        await with_retries(lambda: bot.edit_message_text(text, progress_message.chat_id,
                                                         progress_message.message_id), "editMessageText")

    try:
        result = await broadcast.deliver(BotTextSender(bot), svc.state, alert_id, progress=progress)
    except Exception as error:
        log_exception(f"alert {alert_id} delivery stopped (it stays resumable)", error)
        return
    log.info("alert %s: %s", alert_id, {k: v for k, v in result.items() if k != "run"})
    if progress_message is not None:
        summary = (f"Alert {alert_id}: {result.get('sent', 0)} sent, {result.get('blocked', 0)} blocked, "
                   f"{result.get('failed', 0)} failed, {result.get('pending', 0)} pending.")
        if summary != last_text[0]:
            try:
                await with_retries(lambda: bot.edit_message_text(summary, progress_message.chat_id,
                                                                 progress_message.message_id), "editMessageText")
            except Exception as error:
                log_exception("alert summary edit failed", error)


def resume_alerts(application, svc) -> None:
    """At startup: alerts not fully delivered (the bot stopped mid-way) continue in the background."""
    try:
        from bot.ngo import broadcast

        pending = broadcast.pending_alerts(svc.state)
    except (ImportError, AttributeError):
        return
    except Exception as error:
        log_exception("cannot list pending alerts", error)
        return
    for alert_id in pending:
        log.info("resuming alert %s", alert_id)
        start_delivery(application, svc, alert_id)
