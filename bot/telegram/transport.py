"""The HTTP client under python-telegram-bot: aiohttp instead of PTB's default httpx.

Why: under load the bot's event loop is its limit, and httpx (through httpcore) walked every pooled
connection on every request, asking the kernel whether each idle one had been closed by the server
(a `select` and a `getpeername` per idle connection). Profiled with py-spy under benchmarks/load_run.py
(40 users writing at once), that bookkeeping was 36% of our event loop's time, and 54% of a bare PTB
echo bot's; aiohttp keeps idle connections in a queue and checks only the one it takes.

PTB supports this officially: a `BaseRequest` subclass passed to `Application.builder().request(...)`.
The contract kept here is PTB's own: return (status, body) for any HTTP answer (PTB turns 4xx/5xx into
its errors), raise `TimedOut` for timeouts and `NetworkError` for everything else on the wire.
"""

from __future__ import annotations

import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData
from telegram.request._baserequest import DefaultValue

DEFAULT_TIMEOUT = 5.0


class AiohttpRequest(BaseRequest):
    """A pool of keep-alive connections to the Bot API, with PTB's read, connect and pool timeouts.

    aiohttp has no separate write timeout: a request body here is at most a few kilobytes, so sending it
    fits in the connect and read budgets; `write_timeout` is accepted for PTB's interface and ignored.
    """

    def __init__(self, connection_pool_size: int = 1, *, read_timeout: float | None = DEFAULT_TIMEOUT,
                 write_timeout: float | None = DEFAULT_TIMEOUT, connect_timeout: float | None = DEFAULT_TIMEOUT,
                 pool_timeout: float | None = 1.0) -> None:
        self.pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=self.pool_size,
                                             ttl_dns_cache=300, enable_cleanup_closed=False)
            # No cookies: the Bot API sets none and the bot should keep none. trust_env stays off because
            # aiohttp then reads ~/.netrc and the proxy variables in a worker thread on *every* request;
            # the proxy variables are honoured all the same (`_proxy`), read once per host.
            self._session = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(),
                                                  trust_env=False, headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _timeouts(self, read: Any, connect: Any, pool: Any) -> aiohttp.ClientTimeout:
        read = self._read_timeout if isinstance(read, DefaultValue) else read
        connect = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        # aiohttp's `connect` covers waiting for a free connection in the pool and opening one.
        waiting = None if connect is None and pool is None else (connect or 0.0) + (pool or 0.0)
        return aiohttp.ClientTimeout(total=None, connect=waiting, sock_connect=connect, sock_read=read)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE, write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        data: Any = None
        if request_data is not None:
            files = request_data.multipart_data if request_data.contains_files else None
            data = _form(request_data.json_parameters, files) if files else request_data.json_parameters
        try:
            async with self._session.request(method, url, data=data, proxy=self._proxy(url),
                                             timeout=self._timeouts(read_timeout, connect_timeout,
                                                                    pool_timeout)) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's timeout errors are TimeoutError subclasses
            raise TimedOut from error
        except aiohttp.ClientError as error:
            # Some aiohttp errors quote the URL, which holds the bot token: cut it here, not only in the logs.
            reason = str(error).replace(url, "<url>").replace(url.split("?", 1)[0], "<url>")
            raise NetworkError(f"aiohttp.{type(error).__name__}: {reason}") from error

    def _proxy(self, url: str) -> str | None:
        """The proxy for `url` from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as PTB's default client would use:
        where Telegram is blocked, a deployer reaches it through one."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        if key not in self._proxies:
            proxy = urllib.request.getproxies().get(parts.scheme)
            self._proxies[key] = None if not proxy or urllib.request.proxy_bypass(key[1]) else proxy
        return self._proxies[key]


def _form(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """Fields and files as multipart/form-data (PTB gives files as (filename, content, mimetype))."""
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, value in files.items():
        if isinstance(value, tuple):
            filename, content, mimetype = value
            form.add_field(name, content, filename=filename, content_type=mimetype)
        else:
            form.add_field(name, value)
    return form


def make_bot(token: str, api_root: str, pool_size: int = 16) -> Bot:
    """A Bot for `token` talking to `api_root` (https://api.telegram.org or a test server), as the bot does
    (for the command line's `broadcast` and `link`, which send without running the bot)."""
    request = AiohttpRequest(connection_pool_size=pool_size)
    return Bot(token, base_url=api_root.rstrip("/") + "/bot", request=request)


async def fetch_username(token: str, api_root: str) -> str:
    """The bot's @username from getMe (for `scambot link` when no username is given)."""
    async with make_bot(token, api_root, pool_size=1) as bot:
        return str((await bot.get_me()).username)
