"""`scambot run` (long polling) and `scambot webhook`: the Telegram bot from the command line.

Imported lazily by bot/cli/core.py, so other commands do not pay for importing python-telegram-bot.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import sys
from urllib.parse import urlsplit

import click

from bot.config import Config

NO_TOKEN = ("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather in Telegram (/newbot), then "
            "export TELEGRAM_BOT_TOKEN=<its token>; `scambot chat` works without a token.")
NO_SECRET = ("SCAMBOT_WEBHOOK_SECRET is not set, or too short: the webhook needs a secret of 32-256 characters "
             "A-Z a-z 0-9 _ - so that only Telegram can post updates; e.g. "
             "export SCAMBOT_WEBHOOK_SECRET=$(openssl rand -hex 32)")
MIN_SECRET_CHARS = 32  # Telegram allows 1-256; a short one can be guessed by anyone who can reach the port
_SECRET = re.compile(rf"[A-Za-z0-9_-]{{{MIN_SECRET_CHARS},256}}")
NOT_HTTPS = ("must be https:// (Telegram posts only to https, and the updates carry people's messages); "
             "http:// only for a loopback address such as http://127.0.0.1:8443/tg, for tests")


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: an address no other machine can reach."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def startup_warnings(config: Config) -> list[str]:
    """What the deployer should change, though the bot can run: said once at start (docs/PRIVACY.md)."""
    from bot.keys import key_beside_data

    warnings = []
    beside = key_beside_data(config.data_dir, config.hash_key, config.hash_key_file)
    if beside:
        warnings.append(beside)
    api = urlsplit(config.api_base_url)
    if api.scheme != "https" and not is_loopback(api.hostname):
        warnings.append(f"TELEGRAM_API_BASE_URL is {api.scheme}:// to {api.hostname}, not loopback: the bot token "
                        "and every message travel unencrypted; use https://, or http:// only to a Bot API server "
                        "on this machine (127.0.0.1)")
    return warnings


def _config_or_exit(config: Config) -> Config:
    if not config.token:
        click.echo(NO_TOKEN, err=True)
        sys.exit(2)
    return config


def _start(start, config: Config) -> None:
    """Load content, set up logging, run; a refused token or unreachable server is one clear line."""
    from bot.cli.core import load_engine
    from bot.telegram.app import CannotStart, setup_logging

    setup_logging(config.token)
    for warning in startup_warnings(config):
        logging.getLogger(__name__).warning("%s", warning)
    engine = load_engine(config)
    try:
        start(engine)
    except CannotStart as error:
        click.echo(str(error), err=True)
        sys.exit(error.exit_code)


@click.command()
@click.pass_obj
def run(config: Config) -> None:
    """Run the Telegram bot by long polling (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, SCAMBOT_ADMINS)."""
    config = _config_or_exit(config)
    from bot.telegram.app import run_polling

    _start(lambda engine: run_polling(config, engine), config)


@click.command()
@click.option("--listen", default="127.0.0.1", show_default=True,
              help="Address to listen on: loopback, behind a reverse proxy that terminates TLS (docs/TELEGRAM.md); "
                   "0.0.0.0 to listen on every interface.")
@click.option("--port", default=8443, show_default=True, type=int, help="Port to listen on.")
@click.option("--url", required=True, help="The public HTTPS URL Telegram posts to, e.g. https://bot.example.org/tg")
@click.pass_obj
def webhook(config: Config, listen: str, port: int, url: str) -> None:
    """Run the Telegram bot behind a webhook (needs SCAMBOT_WEBHOOK_SECRET; installs the webhook at --url)."""
    config = _config_or_exit(config)
    if not config.webhook_secret or not _SECRET.fullmatch(config.webhook_secret):
        click.echo(NO_SECRET, err=True)
        sys.exit(2)
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise click.BadParameter("must be a full URL such as https://bot.example.org/tg", param_hint="--url")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise click.BadParameter(NOT_HTTPS, param_hint="--url")
    url_path = parts.path.strip("/")
    from bot.telegram.app import run_webhook

    _start(lambda engine: run_webhook(config, engine, listen, port, url, url_path), config)
