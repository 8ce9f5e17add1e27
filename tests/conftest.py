"""Shared fixtures for the Telegram tests: a fake Bot API server and the real bot process against it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakebotapi import FakeBotAPI

ROOT = Path(__file__).resolve().parent.parent
ADMIN_ID = 9001


@dataclass
class BotProcess:
    process: subprocess.Popen
    fake: FakeBotAPI
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_bot(fake: FakeBotAPI, data_dir: Path, args: list[str], extra_env: dict | None = None) -> BotProcess:
    """`scambot <args>` (the real entry point, as `python -m bot`) against the fake server."""
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
           "SCAMBOT_DATA_DIR": str(data_dir), "SCAMBOT_ADMINS": str(ADMIN_ID), "PYTHONUNBUFFERED": "1"}
    env.pop("SCAMBOT_HASH_KEY", None)
    env.update(extra_env or {})
    log_path = data_dir.parent / f"{data_dir.name}-bot.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT)
    return BotProcess(process, fake, data_dir, log_path)


def stop_bot(bot: BotProcess) -> None:
    if bot.alive():
        bot.process.terminate()
        try:
            bot.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            bot.process.kill()
            bot.process.wait()


def wait_started(bot: BotProcess, ready, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if not bot.alive():
            pytest.fail(f"the bot exited with {bot.process.returncode}:\n{bot.log()[-3000:]}")
        time.sleep(0.05)
    pytest.fail(f"the bot did not start in {timeout}s:\n{bot.log()[-3000:]}")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as api:
        yield api


@pytest.fixture(scope="module")
def polling_bot(fake: FakeBotAPI, tmp_path_factory) -> Iterator[BotProcess]:
    """The real `scambot run`, started once per module (it takes a few seconds to load content)."""
    bot = start_bot(fake, tmp_path_factory.mktemp("botdata"), ["run"])
    wait_started(bot, lambda: bool(fake.calls_of("getUpdates")))
    yield bot
    stop_bot(bot)
