"""`scambot webhook`: our own small HTTP server for Telegram's webhook, in place of python-telegram-bot's.

PTB's server (Tornado) reads a request body of up to 100 MB before it looks at the secret, compares the
secret with `!=`, and logs an update it cannot parse in full (text, user id, username) at CRITICAL. Here,
on aiohttp (already the bot's HTTP client):
- the secret header is compared in constant time (hmac.compare_digest) *before* any of the body is read;
  a request without it is answered 403 and its body never buffered;
- a body over MAX_BODY_BYTES (1 MiB; Telegram's updates are a few KiB, a message at most 4096 characters
  plus entities) is refused by its Content-Length before reading (413), and aiohttp's own limit stops a
  body that lies about its length; a body without a length (chunked) is refused too (411);
- an update the library cannot read is answered 200 (Telegram would only send it again) and logged as one
  line with its update id and the error's type, nothing of its content;
- no access log: the remote address and the request line are nobody's business here.

Updates go to the Application's update queue, as PTB's webhook does, and are answered with PTB's
concurrency (`concurrent_updates`). The life cycle (initialize, post_init, start, stop, post_stop, shutdown,
post_shutdown, SIGINT/SIGTERM) is that of `Application.run_webhook`.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import signal
from collections.abc import Sequence

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.telegram.polling import BOOTSTRAP_RETRIES, _with_retries

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def secret_matches(given: str | None, secret: str) -> bool:
    """The header equals the secret, compared in constant time (no timing hint of how much matched)."""
    return hmac.compare_digest((given or "").encode("utf-8", "replace"), secret.encode("utf-8"))


class WebhookServer:
    """One POST route at `path`; updates with the right secret go to `application.update_queue`."""

    def __init__(self, application: Application, path: str, secret: str, *,
                 max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.application = application
        self.path = "/" + path.strip("/")
        self.secret = secret
        self.max_body_bytes = max_body_bytes
        self.refused = 0  # for the log line at stop
        self.unreadable = 0
        self.app = web.Application(client_max_size=max_body_bytes)
        self.app.router.add_post(self.path, self.handle)
        if self.path != "/":
            self.app.router.add_post(self.path + "/", self.handle)
        self.runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        if not secret_matches(request.headers.get(SECRET_HEADER), self.secret):
            self.refused += 1
            return web.Response(status=403)
        if request.content_length is None:
            return web.Response(status=411)
        if request.content_length > self.max_body_bytes:
            return web.Response(status=413)
        try:
            body = await request.read()  # at most client_max_size, whatever Content-Length said
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        try:
            data = json.loads(body)
        except ValueError:
            return web.Response(status=400)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        try:
            update = Update.de_json(data, self.application.bot)
        except Exception as error:  # a field this version cannot read: never log the update itself
            self.unreadable += 1
            log.warning("update %s: python-telegram-bot cannot read it (%s); dropped",
                        update_id if isinstance(update_id, int) else "?", type(error).__name__)
            return web.Response(status=200)
        if update is not None:
            await self.application.update_queue.put(update)
        return web.Response(status=200)

    async def start(self, listen: str, port: int) -> None:
        self.runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self.runner.setup()
        await web.TCPSite(self.runner, listen, port).start()
        log.info("webhook listening on %s:%d%s (bodies up to %d bytes)", listen, port, self.path,
                 self.max_body_bytes)

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        log.info("webhook stopped: %d request(s) refused for the secret, %d unreadable update(s) dropped",
                 self.refused, self.unreadable)


async def serve(application: Application, *, listen: str, port: int, url: str, url_path: str, secret: str,
                allowed_updates: Sequence[str], bootstrap_retries: int = BOOTSTRAP_RETRIES,
                stop_signals: Sequence[int] = (signal.SIGINT, signal.SIGTERM)) -> None:
    """What `Application.run_webhook` does, with WebhookServer in place of PTB's server."""
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in stop_signals:
        loop.add_signal_handler(sig, stopping.set)
    server = WebhookServer(application, url_path, secret)
    post_init_done = False
    try:
        await _with_retries(application.initialize, "initialize (getMe)", bootstrap_retries, stopping)
        if stopping.is_set():
            return
        if application.post_init:
            await application.post_init(application)
        post_init_done = True
        await application.start()
        await server.start(listen, port)
        await _with_retries(lambda: application.bot.set_webhook(
            url=url, allowed_updates=list(allowed_updates), drop_pending_updates=False, secret_token=secret),
            "setWebhook", bootstrap_retries, stopping)
        await stopping.wait()
    finally:
        for sig in stop_signals:
            loop.remove_signal_handler(sig)
        try:
            await server.stop()
            if application.running:
                await application.stop()
            if post_init_done and application.post_stop:
                await application.post_stop(application)
            await application.shutdown()
        finally:
            if application.post_shutdown:
                await application.post_shutdown(application)
            await application.bot.request.shutdown()


def run(application: Application, **kwargs) -> None:
    """Blocking, like `Application.run_webhook`; returns after SIGINT/SIGTERM and a clean stop."""
    asyncio.run(serve(application, **kwargs))


__all__ = ["MAX_BODY_BYTES", "WebhookServer", "run", "secret_matches", "serve"]
