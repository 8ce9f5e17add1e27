"""The aiohttp client under python-telegram-bot (bot/telegram/transport.py), against a loopback server.

PTB's contract for a request class: any HTTP answer comes back as (status, body) for PTB to interpret;
timeouts raise TimedOut; anything else on the wire raises NetworkError. The end-to-end suites run the
whole bot over this client; these tests pin the edges one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import InputFile
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # how PTB builds a call

from bot.telegram.transport import AiohttpRequest

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"


class Server:
    """A tiny Bot API look-alike on 127.0.0.1 that records what it received."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.connections: set[int] = set()
        self.delay = 0.0
        self.status = 200
        self.drop = False
        self.app = web.Application()
        self.app.router.add_route("*", "/{path:.*}", self.handle)
        self.runner = web.AppRunner(self.app)
        self.url = ""

    async def handle(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            self.connections.add(id(transport))
        entry: dict[str, Any] = {"path": request.path, "headers": dict(request.headers),
                                 "content_type": request.content_type}
        if request.content_type == "multipart/form-data":
            form = await request.post()
            entry["form"] = {k: (v.filename, v.file.read()) if hasattr(v, "filename") else v for k, v in form.items()}
        else:
            entry["form"] = dict(await request.post())
        self.received.append(entry)
        if self.drop and transport is not None:
            transport.close()  # no answer at all: the connection just ends
            return web.Response()
        if self.delay:
            await asyncio.sleep(self.delay)
        ok = self.status < 400
        body = {"ok": True, "result": True} if ok else {"ok": False, "error_code": self.status,
                                                         "description": "Bad Request: message is too long"}
        return web.Response(status=self.status, text=json.dumps(body), content_type="application/json")

    async def __aenter__(self) -> Server:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 30))


@contextlib.asynccontextmanager
async def opened(request: AiohttpRequest) -> AsyncIterator[AiohttpRequest]:
    """The request initialized for the block and shut down after it, as PTB does around an Application."""
    await request.initialize()
    try:
        yield request
    finally:
        await request.shutdown()


def form_data(**fields: Any) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in fields.items()])


def test_an_answer_comes_back_as_status_and_body_and_the_form_arrives():
    async def test() -> None:
        async with Server() as server, opened(AiohttpRequest(4)) as request:
            sent = form_data(chat_id=5, text="<b>سلام</b>", reply_markup={"a": [1]})
            status, body = await request.do_request(f"{server.url}/bot{TOKEN}/sendMessage", "POST", sent)
        assert status == 200 and json.loads(body) == {"ok": True, "result": True}
        [got] = server.received
        assert got["path"] == f"/bot{TOKEN}/sendMessage"
        assert got["form"] == {"chat_id": "5", "text": "<b>سلام</b>", "reply_markup": '{"a": [1]}'}
        assert got["headers"]["User-Agent"] == AiohttpRequest.USER_AGENT
    run(test)


def test_a_refusal_reaches_ptb_as_its_own_error():
    """A 400 is an answer, not a network failure: PTB reads Telegram's description from the body."""
    async def refused() -> None:
        async with Server() as server:
            server.status = 400
            async with opened(AiohttpRequest(2)) as request:
                with pytest.raises(BadRequest, match=r"(?i)message is too long"):
                    await request.post(f"{server.url}/bot{TOKEN}/sendMessage", form_data(chat_id=1, text="x"))
    run(refused)


def test_a_file_goes_as_multipart_with_its_name():
    async def test() -> None:
        async with Server() as server, opened(AiohttpRequest(2)) as request:
            upload = InputFile(b"\x89PNG fake", filename="poster.png")
            status, _ = await request.do_request(f"{server.url}/bot{TOKEN}/sendPhoto", "POST",
                                                 form_data(chat_id=7, photo=upload))
        assert status == 200
        [got] = server.received
        assert got["content_type"] == "multipart/form-data"
        assert got["form"]["chat_id"] == "7"
        assert got["form"]["photo"] == ("poster.png", b"\x89PNG fake")
    run(test)


def test_a_slow_answer_is_timed_out():
    async def test() -> None:
        async with Server() as server:
            server.delay = 2.0
            async with opened(AiohttpRequest(2, read_timeout=0.2)) as request:
                with pytest.raises(TimedOut):
                    await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST")
                # A per-call read timeout overrides the default (getUpdates passes its long-poll time).
                server.delay = 0.3
                status, _ = await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST", read_timeout=2.0)
                assert status == 200
    run(test)


def test_a_full_pool_times_out_instead_of_waiting_forever():
    async def test() -> None:
        async with Server() as server:
            server.delay = 1.5
            async with opened(AiohttpRequest(1, pool_timeout=0.1, connect_timeout=0.1, read_timeout=5.0)) as request:
                busy = asyncio.create_task(request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST"))
                await asyncio.sleep(0.2)  # the one connection is taken
                with pytest.raises(TimedOut):
                    await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST")
                assert (await busy)[0] == 200
    run(test)


def test_a_refused_connection_is_a_network_error_without_the_token():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def test() -> None:
        async with opened(AiohttpRequest(1)) as request:
            with pytest.raises(NetworkError) as caught:
                await request.do_request(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", "POST")
        assert not isinstance(caught.value, TimedOut)
        assert TOKEN not in str(caught.value) and TOKEN.split(":")[1] not in str(caught.value)
    run(test)


def test_a_connection_dropped_without_an_answer_is_a_network_error():
    async def test() -> None:
        async with Server() as server:
            server.drop = True
            async with opened(AiohttpRequest(1)) as request:
                with pytest.raises(NetworkError) as caught:
                    await request.do_request(f"{server.url}/bot{TOKEN}/sendMessage", "POST", form_data(text="x"))
                assert not isinstance(caught.value, TimedOut)
                assert TOKEN not in str(caught.value)
                server.drop = False  # the pool recovers: the next call opens a fresh connection
                assert (await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST"))[0] == 200
    run(test)


def test_connections_are_kept_alive_and_reused():
    async def test() -> None:
        async with Server() as server, opened(AiohttpRequest(4)) as request:
            for _ in range(20):
                await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST")
        assert len(server.received) == 20
        assert len(server.connections) == 1
    run(test)


def test_it_must_be_initialized_and_can_be_initialized_again_after_shutdown():
    """PTB initializes and shuts a request down with the Application (and again with `async with bot`)."""
    async def test() -> None:
        async with Server() as server:
            request = AiohttpRequest(1)
            with pytest.raises(RuntimeError, match="not initialized"):
                await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST")
            for _ in range(2):
                await request.initialize()
                assert (await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST"))[0] == 200
                await request.shutdown()
                await request.shutdown()  # twice is harmless
            with pytest.raises(RuntimeError, match="not initialized"):
                await request.do_request(f"{server.url}/bot{TOKEN}/getMe", "POST")
    run(test)


def test_an_error_quoting_the_url_does_not_carry_the_token():
    """aiohttp quotes the URL in some errors; the URL holds the token, which must not reach a log line."""
    async def test() -> None:
        async with opened(AiohttpRequest(1)) as request:
            with pytest.raises(NetworkError) as caught:
                await request.do_request(f"http://127.0.0.1:99999/bot{TOKEN}/getMe", "POST")  # no such port
        assert "InvalidUrl" in str(caught.value) and "<url>" in str(caught.value)
        assert TOKEN.split(":")[1] not in str(caught.value)
    run(test)


def test_the_proxy_variables_are_honoured(monkeypatch):
    """Where Telegram is blocked, deployers reach it through a proxy set in the environment, as PTB's own
    client allows; NO_PROXY still wins."""
    async def test() -> None:
        async with Server() as proxy:
            monkeypatch.setenv("HTTP_PROXY", proxy.url)
            for name in ("http_proxy", "https_proxy", "NO_PROXY", "no_proxy"):  # lowercase ones would win
                monkeypatch.delenv(name, raising=False)
            async with opened(AiohttpRequest(1)) as request:
                status, _ = await request.do_request(f"http://api.telegram.invalid/bot{TOKEN}/getMe", "POST")
            assert status == 200  # answered by the proxy: the .invalid name was never looked up
            [got] = proxy.received
            assert got["headers"]["Host"] == "api.telegram.invalid"
            assert got["path"] == f"/bot{TOKEN}/getMe"

            monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")
            assert AiohttpRequest(1)._proxy(f"http://api.telegram.invalid/bot{TOKEN}/getMe") is None
            monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
            assert AiohttpRequest(1)._proxy("https://api.telegram.org/bot1:x/getMe") == "http://proxy.example:3128"
    run(test)
