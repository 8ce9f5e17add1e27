"""What a stranger who reaches the webhook's port can do (issue 19, finding 3 and the webhook parts of 6):
not exhaust memory, not guess the secret, not be served over plain http; the listener stays on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, free_port, start_bot, stop_bot, wait_started
from test_telegram_webhook import message_update, post

from bot.telegram import webhook

pytestmark = pytest.mark.slow

SECRET = "a-webhook-secret-of-32-characters-at-least"
MiB = 1 << 20


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def post_huge(port: int, path: str, secret: str | None, declared: int, sent: int) -> tuple[int | None, int]:
    """POST a body declared `declared` bytes long, sending up to `sent` of it; (status, bytes sent).
    Stops sending as soon as the server answers or closes."""
    headers = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Content-Type: application/json",
               f"Content-Length: {declared}"]
    if secret is not None:
        headers.append(f"X-Telegram-Bot-Api-Secret-Token: {secret}")
    chunk = b"[" + b"1," * (MiB // 2 - 1) + b"1"  # about 1 MiB of valid-looking JSON, over and over
    done = 0
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(("\r\n".join(headers) + "\r\n\r\n").encode())
        sock.setblocking(False)
        answer = b""
        try:
            while done < sent:
                try:
                    answer += sock.recv(4096)
                    if answer:
                        break
                except BlockingIOError:
                    pass
                try:
                    done += sock.send(chunk)
                except BlockingIOError:
                    time.sleep(0.001)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(10)
        try:
            while b"\r\n" not in answer:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except (TimeoutError, ConnectionResetError):
            pass
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else None
    return status, done


@pytest.fixture()
def webhook_bot(fake, tmp_path):
    port = free_port()
    url = f"http://127.0.0.1:{port}/tg-hook"
    fake.webhook = {}
    bot = start_bot(fake, tmp_path / "data", ["webhook", "--port", str(port), "--url", url],
                    {"SCAMBOT_WEBHOOK_SECRET": SECRET})
    wait_started(bot, lambda: fake.webhook.get("url") == url and "started" in bot.log())
    assert fake.wait_until(lambda: post(url, {}, None) == 403, 30)
    yield bot, port, url
    stop_bot(bot)


def test_a_huge_body_without_the_secret_is_refused_before_it_is_read(webhook_bot, fake):
    """Failed before: PTB's Tornado server read the body (up to 100 MB) before checking the secret
    (a 90 MiB request grew the bot from 129 to 313 MiB)."""
    bot, port, url = webhook_bot
    before = rss_mib(bot.process.pid)
    status, sent = post_huge(port, "/tg-hook", None, declared=90 * MiB, sent=32 * MiB)
    assert status == 403 and sent < 32 * MiB  # answered before the client had sent it all
    status_wrong, _ = post_huge(port, "/tg-hook", "x" * len(SECRET), declared=90 * MiB, sent=32 * MiB)
    assert status_wrong == 403
    # With the right secret, a declared length over 1 MiB is refused before reading too.
    status_big, _ = post_huge(port, "/tg-hook", SECRET, declared=90 * MiB, sent=32 * MiB)
    assert status_big == 413
    growth = rss_mib(bot.process.pid) - before
    assert growth < 8, f"the bot grew by {growth:.1f} MiB"
    assert bot.alive()
    assert post(url, message_update(11, "/help", 4101), SECRET) == 200  # and still serves
    assert fake.wait_until(lambda: bool(fake.sent(4101)))


def test_a_body_lying_about_its_length_is_cut_at_one_mib(webhook_bot):
    bot, port, _ = webhook_bot
    before = rss_mib(bot.process.pid)
    # Declared 1 MiB, so accepted for reading, but aiohttp stops at its limit: never more than that in memory.
    status, _ = post_huge(port, "/tg-hook", SECRET, declared=webhook.MAX_BODY_BYTES, sent=4 * MiB)
    assert status in (200, 400, 413)
    assert rss_mib(bot.process.pid) - before < 8 and bot.alive()


def _webhook(args: list[str], secret: str, fake) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SCAMBOT_"))}
    env.update({"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url,
                "SCAMBOT_WEBHOOK_SECRET": secret})
    return subprocess.run([sys.executable, "-m", "bot", "webhook", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_a_secret_shorter_than_32_characters_is_refused(fake, tmp_path):
    fake.webhook = {}
    done = _webhook(["--url", "https://bot.example.org/tg"], "a" * 31, fake)
    assert done.returncode == 2 and "32" in done.stderr and "SCAMBOT_WEBHOOK_SECRET" in done.stderr
    assert fake.webhook.get("url") != "https://bot.example.org/tg"


@pytest.mark.parametrize("url", ["http://bot.example.org/tg", "http://192.168.1.5:8443/tg", "http://[2001:db8::1]/tg"])
def test_an_http_url_is_refused_unless_loopback(fake, url):
    fake.webhook = {}
    done = _webhook(["--url", url], SECRET, fake)
    assert done.returncode == 2 and "https" in done.stderr
    assert fake.webhook.get("url") != url


def test_the_listener_is_on_loopback_unless_told_otherwise():
    from bot.cli.telegram import webhook as command

    [listen] = [p for p in command.params if p.name == "listen"]
    assert listen.default == "127.0.0.1"
    from bot.cli.telegram import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "127.8.9.1", "::1", "localhost"]))
    assert not any(map(is_loopback, ["0.0.0.0", "10.0.0.1", "bot.example.org", "", None]))


# -- the server in the test process ----------------------------------------------------------------------

class _Queue:
    def __init__(self) -> None:
        self.items: list = []

    async def put(self, item) -> None:
        self.items.append(item)


class _App:
    """What WebhookServer needs of an Application: a bot to parse with, an update queue."""

    def __init__(self) -> None:
        from telegram import Bot

        self.bot = Bot("123456:" + "A" * 35)
        self.update_queue = _Queue()


async def _exchange(server: webhook.WebhookServer, requests: list[tuple[dict, bytes]]) -> list[int]:
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(server.app)) as client:
        statuses = []
        for headers, body in requests:
            response = await client.post(server.path, data=body, headers=headers)
            statuses.append(response.status)
        return statuses


def test_the_secret_is_compared_in_constant_time(monkeypatch):
    """Every request's header goes through hmac.compare_digest (a `!=` stops at the first differing byte)."""
    compared = []
    real = webhook.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(webhook.hmac, "compare_digest", spy)
    app = _App()
    server = webhook.WebhookServer(app, "tg", SECRET)
    body = json.dumps(message_update(1, "/help", 5)).encode()
    json_type = {"Content-Type": "application/json"}
    statuses = asyncio.run(_exchange(server, [
        (json_type, body), ({**json_type, webhook.SECRET_HEADER: SECRET[:-1]}, body),
        ({**json_type, webhook.SECRET_HEADER: SECRET}, body)]))
    assert statuses == [403, 403, 200]
    assert [a for a, _ in compared] == [b"", SECRET[:-1].encode(), SECRET.encode()]
    assert len(app.update_queue.items) == 1
