"""`scambot webhook` and `scambot run` from the outside: secrets, refusals, and one clear line on errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from conftest import ROOT, free_port, start_bot, stop_bot, wait_started

from bot.config import Config
from bot.engine import Engine

pytestmark = pytest.mark.slow

SECRET = "s3cret_webhook-token-of-32-characters"


def post(url: str, update: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    request = urllib.request.Request(url, data=json.dumps(update).encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, ConnectionError):
        return -1  # not listening (yet)


def message_update(update_id: int, text: str, user_id: int) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1700000000, "text": text,
        "from": {"id": user_id, "is_bot": False, "first_name": "U", "language_code": "en"},
        "chat": {"id": user_id, "type": "private", "first_name": "U"},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}] if text[0] == "/" else [],
    }}


def test_webhook_refuses_requests_without_the_secret(fake, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    bot = start_bot(fake, tmp_path / "data", ["webhook", "--listen", "127.0.0.1", "--port", str(port), "--url", url],
                    {"SCAMBOT_WEBHOOK_SECRET": SECRET})
    try:
        wait_started(bot, lambda: fake.webhook.get("url") == url and "started" in bot.log())
        assert fake.webhook["secret_token"] == SECRET
        engine = Engine.load(Config(data_dir=tmp_path / "engine"))
        # Listening (and refusing) before anything is asserted: on a loaded machine the HTTP server may
        # come up a moment after the webhook is registered.
        assert fake.wait_until(lambda: post(url, {}, None) == 403, 30)
        assert post(url, message_update(1, "/help", 4001), None) == 403
        assert post(url, message_update(2, "/help", 4002), "wrong-secret") == 403
        assert post(url, message_update(3, "/help", 4003), SECRET) == 200
        assert fake.wait_until(lambda: bool(fake.sent(4003)))
        assert fake.sent(4003)[0]["text"] == engine.text("help", "en")
        assert fake.sent(4001) == [] and fake.sent(4002) == []
        # The secret must match exactly, in the header: another case, or the secret in the URL, is refused
        # (the 403 is answered before the update is queued, so nothing can be sent later).
        assert post(url, message_update(4, "/signs", 4004), SECRET.upper()) == 403
        assert post(f"{url}?secret_token={SECRET}", message_update(5, "/help", 4005), None) == 403
        assert fake.sent(4004) == [] and fake.sent(4005) == []
        assert bot.alive()
        assert fake.token not in bot.log()
    finally:
        stop_bot(bot)


def _scambot(args: list[str], env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SCAMBOT_"))}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=ROOT, env={**clean, **env}, capture_output=True,
                          text=True, timeout=60)


def test_webhook_will_not_start_without_a_secret(fake, tmp_path):
    done = _scambot(["webhook", "--url", "https://example.org/hook"],
                    {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
                     "SCAMBOT_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "SCAMBOT_WEBHOOK_SECRET" in done.stderr
    assert not fake.calls_of("setWebhook") or fake.webhook.get("url") != "https://example.org/hook"


@pytest.mark.parametrize("command", [["run"], ["webhook", "--url", "https://example.org/hook"]])
def test_without_a_token_one_clear_line(tmp_path, command):
    done = _scambot(command, {"SCAMBOT_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "@BotFather" in lines[0] and "scambot chat" in lines[0]


def test_a_refused_token_is_one_clear_line(fake, tmp_path):
    done = _scambot(["run"], {"TELEGRAM_BOT_TOKEN": "999:WRONG-TOKEN", "TELEGRAM_API_BASE_URL": fake.base_url,
                              "SCAMBOT_DATA_DIR": str(tmp_path)})
    assert done.returncode == 2
    assert "refused" in done.stderr and "@BotFather" in done.stderr
    assert "WRONG-TOKEN" not in done.stderr
