"""Building the python-telegram-bot Application, its logging, and running it (polling or webhook)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import re
import sys
import traceback
from collections.abc import Iterator

from telegram import BotCommand, Update
from telegram.error import Conflict, InvalidToken, NetworkError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.config import Config
from bot.engine import Engine
from bot.state.store import State
from bot.telegram import admin, handlers, polling
from bot.telegram.handlers import Services, log_exception
from bot.telegram.send import with_retries
from bot.telegram.transport import AiohttpRequest
from bot.text.markup import to_plain

log = logging.getLogger(__name__)

# Commands shown in Telegram's menu, in this order. Admin commands are left out on purpose.
PUBLIC_COMMANDS = ("start", "help", "check", "hotline", "signs", "language", "privacy", "forget", "subscribe",
                   "unsubscribe")
# Telegram takes two-letter ISO 639-1 codes only; Sorani (ckb) has none, so its users get the default list.
MENU_LANGUAGES = ("ar", "en", "fr", "ru")
# Menu descriptions come from faq/strings (cmd_<name>) when a translator provides them; until then an
# existing string of the same meaning, and for the last few an English fallback.
_DESCRIPTION_FROM = {"start": "welcome", "help": "help", "check": "btn_check", "hotline": "btn_hotline",
                     "signs": "btn_signs", "language": "btn_language", "privacy": "privacy"}
_DESCRIPTION_FALLBACK = {"forget": "Delete everything the bot keeps about you",
                         "subscribe": "Get alerts about new recruitment schemes",
                         "unsubscribe": "Stop the alerts"}
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.INLINE_QUERY]
PURGE_EVERY_SECONDS = 24 * 3600
MEDIA = (filters.PHOTO | filters.VOICE | filters.AUDIO | filters.VIDEO | filters.VIDEO_NOTE | filters.ANIMATION
         | filters.Sticker.ALL | filters.Document.ALL | filters.LOCATION | filters.VENUE | filters.CONTACT
         | filters.POLL | filters.Dice.ALL)


# -- logging: never the token, never message text -------------------------------------------------

class RedactingFormatter(logging.Formatter):
    """Removes the bot token from every log line, wherever it appears (httpx URLs, tracebacks)."""

    _ANY_TOKEN = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")

    def __init__(self, token: str | None, fmt: str) -> None:
        super().__init__(fmt)
        self.token = token

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if self.token:
            text = text.replace(self.token, "<token>")
        return self._ANY_TOKEN.sub("<token>", text)


# Loggers of the libraries under the bot. Their records can carry an update whole: python-telegram-bot logs
# one it cannot parse, with its text, user id and username, at CRITICAL ("Received data was %r"), and
# asyncio's "Task exception was never retrieved" prints the task and its exception on the lines after.
LIBRARY_LOGGERS = frozenset({"telegram", "tornado", "aiohttp", "httpx", "httpcore", "apscheduler", "asyncio"})
_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])")
LIBRARY_FRAMES_KEPT = 4


class LibraryRecordFilter(logging.Filter):
    """Keeps of a library's log record only what its code wrote, never the data it was given: the message
    template with every value put into it shown as "<…>" (a message built without arguments: its first
    line only), and of an exception its type and the last frames of where it happened, not its message.

    Put on the handler, so it sees the records of those loggers and their children whoever logs them. The
    bot's own loggers (bot.*) are left as they are: they are written to hold no user text, id or name."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.split(".", 1)[0] not in LIBRARY_LOGGERS:
            return True
        if not isinstance(record.msg, str):
            template = f"<{type(record.msg).__name__}>"
        elif record.args:
            template = _CONVERSION.sub(lambda m: "%" if m[1] == "%" else "<…>", record.msg)
        else:
            template = record.msg.split("\n", 1)[0]
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            frames = "".join(traceback.format_tb(error.__traceback__)[-LIBRARY_FRAMES_KEPT:]).rstrip()
            template += f" [{type(error).__name__}]" + (f"\n{frames}" if frames else "")
        record.msg, record.args = template, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(token, "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(LibraryRecordFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL (which contains the token) at INFO; PTB logs update contents at DEBUG.
    for noisy in ("httpx", "httpcore", "tornado.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for chatty in ("telegram", "apscheduler"):
        logging.getLogger(chatty).setLevel(max(level, logging.INFO))


# -- the application ------------------------------------------------------------------------------

def updates_request() -> polling.UpdatesRequest:
    """The connection getUpdates uses (its own, so replies never wait for a long poll)."""
    return polling.UpdatesRequest(connection_pool_size=2, connect_timeout=10.0, read_timeout=10.0)


def build_application(config: Config, engine: Engine, state: State,
                      get_updates_request: BaseRequest | None = None) -> Application:
    """The bot as a PTB Application, talking to config.api_base_url (Telegram, or a test server)."""
    assert config.token, "a token is needed"
    root = config.api_base_url.rstrip("/")
    # Many users at once: a pool of connections for replies; getUpdates has its own connection.
    request = AiohttpRequest(connection_pool_size=64, pool_timeout=20.0, connect_timeout=10.0, read_timeout=20.0,
                             write_timeout=20.0)
    application = (
        Application.builder()
        .token(config.token)
        .context_types(handlers.CONTEXT_TYPES)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        .request(request)
        .get_updates_request(get_updates_request or updates_request())
        # One slow user (or a flood) must not hold up everyone else; the poller (polling.py) also stops
        # fetching above polling.MAX_IN_PROGRESS updates in progress, the same number.
        .concurrent_updates(polling.MAX_IN_PROGRESS)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data["services"] = Services(config=config, engine=engine, state=state)
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    new = filters.UpdateType.MESSAGE  # edits of old messages are not answered again
    private = filters.ChatType.PRIVATE
    commands = {
        "start": handlers.cmd_start, "help": handlers.cmd_help, "check": handlers.cmd_check,
        "hotline": handlers.cmd_hotline, "signs": handlers.cmd_signs, "language": handlers.cmd_language,
        "privacy": handlers.cmd_privacy, "forget": handlers.cmd_forget, "subscribe": handlers.cmd_subscribe,
        "unsubscribe": handlers.cmd_unsubscribe,
        "stats": admin.cmd_stats, "reload": admin.cmd_reload, "broadcast": admin.cmd_broadcast,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback, filters=new))
    application.add_handler(MessageHandler(new & filters.COMMAND, handlers.cmd_unknown))
    application.add_handler(MessageHandler(new & private & filters.TEXT, handlers.on_text))
    application.add_handler(MessageHandler(new & ~private & filters.TEXT, handlers.on_group_text))
    application.add_handler(MessageHandler(new & private & MEDIA, handlers.on_media))
    application.add_handler(CallbackQueryHandler(handlers.on_callback))
    application.add_handler(InlineQueryHandler(handlers.on_inline))
    application.add_error_handler(handlers.on_error)


def command_menu(engine: Engine, lang: str) -> list[BotCommand]:
    menu = []
    for name in PUBLIC_COMMANDS:
        key = f"cmd_{name}"
        text = engine.text(key, lang)
        if text == key:
            text = engine.text(_DESCRIPTION_FROM[name], lang) if name in _DESCRIPTION_FROM \
                else _DESCRIPTION_FALLBACK[name]
        first_line = to_plain(text).strip().split("\n", 1)[0]
        description = re.sub(r"^[^\w]+", "", first_line).strip()[:256] or name  # no leading emoji
        menu.append(BotCommand(name, description))
    return menu


async def set_commands(application: Application) -> None:
    """The command menu in each language; a failure is logged and never stops the bot."""
    engine: Engine = application.bot_data["services"].engine
    for lang in (None, *MENU_LANGUAGES):
        menu = command_menu(engine, lang or "en")
        try:
            await with_retries(functools.partial(application.bot.set_my_commands, menu, language_code=lang),
                               "setMyCommands")
        except Exception as error:  # a missing menu is cosmetic: never a reason not to start
            log_exception("setMyCommands failed", error)


async def _post_init(application: Application) -> None:
    svc: Services = application.bot_data["services"]
    svc.username = application.bot.username or ""
    # In the background: a setMyCommands call that never gets an answer must not hold up the first replies
    # (20 s per attempt). Cancelled with the other background tasks in _post_stop.
    svc.background(_set_commands_quietly(application), "command-menu")
    # Warm before serving: compiled in the background, the checker's patterns (about 1.3 s of CPU) took a
    # fifth of the bot's time in the first seconds of a burst; meanwhile Telegram keeps the updates.
    await _warm_up(svc.engine)
    admin.resume_alerts(application, svc)
    svc.background(_purge_daily(svc), "retention")
    log.info("bot @%s started: %d topics, languages %s%s", svc.username, len(svc.engine.topic_ids),
             ",".join(svc.engine.languages), " (state degraded: statistics off)" if svc.state.degraded else "")


async def _set_commands_quietly(application: Application) -> None:
    try:
        await set_commands(application)
    except Exception as error:  # a background task's exception would otherwise surface only at exit
        log_exception("command menu not set", error)


async def _warm_up(engine: Engine) -> None:
    """Compile, in a thread (the command menu is being set meanwhile), what the first messages would otherwise
    wait for: the checker's patterns, about 1.3 s."""
    try:
        await asyncio.to_thread(engine.warm_up)
    except Exception as error:  # only a cost moved to the first long text; never a reason to stop
        log_exception("warm-up failed", error)


async def _purge_daily(svc: Services) -> None:
    """Retention: queued questions and active-day pairs older than the retention period go, daily."""
    while True:
        removed = await asyncio.to_thread(svc.state.purge_expired)
        if removed:
            log.info("retention: removed %d expired rows", removed)
        await asyncio.sleep(PURGE_EVERY_SECONDS)


async def _post_stop(application: Application) -> None:
    """Background tasks end with the bot; an alert left half-delivered resumes at the next start."""
    svc: Services = application.bot_data["services"]
    for task in list(svc.tasks):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _post_shutdown(application: Application) -> None:
    application.bot_data["services"].state.close()


# -- running ----------------------------------------------------------------------------------------

class CannotStart(Exception):
    """The bot cannot start: a refused token (exit code 2) or an unreachable Bot API (1); said in one line."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@contextlib.contextmanager
def starting(config: Config) -> Iterator[None]:
    """Telegram's refusals at start-up as CannotStart, for the command line to say in one line."""
    try:
        yield
    except InvalidToken:
        raise CannotStart("Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather (/mybots -> API Token).",
                          2) from None
    except NetworkError as error:
        raise CannotStart(f"Cannot reach the Telegram Bot API at {config.api_base_url}: {type(error).__name__}.",
                          1) from None


def open_all(config: Config, engine: Engine, get_updates_request: BaseRequest | None = None) -> Application:
    state = State.open(config.data_dir, config.retention_days, config.hash_key)
    return build_application(config, engine, state, get_updates_request)


def run_polling(config: Config, engine: Engine) -> None:
    """Long polling with our own loop (polling.py) rather than PTB's Updater, which confirms updates to
    Telegram before they are answered: here an update is confirmed only once answered, so updates in
    progress when the process dies are sent again to the next one (at least once)."""
    request = updates_request()
    application = open_all(config, engine, request)
    try:
        with starting(config):
            polling.run(application, request, allowed_updates=ALLOWED_UPDATES, bootstrap_retries=5, timeout=10)
    except Conflict:
        # Another process polls with this token (or a webhook was set meanwhile). Going on would answer
        # every update twice, and retrying would cut the other one's long polls; stop with one clear line.
        log.error("Telegram refused getUpdates (409 Conflict): another process polls with this token, or a "
                  "webhook is set. Stopped.")
        raise SystemExit(1) from None


def run_webhook(config: Config, engine: Engine, listen: str, port: int, url: str, url_path: str) -> None:
    """Our webhook server (webhook.py), not PTB's: the secret before the body, bodies up to 1 MiB."""
    from bot.telegram import webhook

    assert config.webhook_secret, "the command line refuses to start without a secret"
    application = open_all(config, engine)
    with starting(config):
        webhook.run(application, listen=listen, port=port, url=url, url_path=url_path,
                    secret=config.webhook_secret, allowed_updates=ALLOWED_UPDATES)
