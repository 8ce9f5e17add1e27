"""A fake Telegram Bot API server for end-to-end tests and benchmarks (127.0.0.1 only, stdlib only).

It behaves like Telegram where our bot could get it wrong: it refuses (400) what Telegram refuses
(empty or too long text, HTML it cannot parse, callback data over 64 bytes, too many inline results...),
answers 403 for chats that blocked the bot, long-polls getUpdates and confirms offsets, and can inject
faults (429 with retry_after, 502, dropped connections, hangs) on demand or at random.

    with FakeBotAPI() as fake:
        fake.add_message("/start")
        ... run the bot with TELEGRAM_API_BASE_URL=fake.base_url ...
        fake.wait_until(lambda: fake.sent(1001))
"""

from __future__ import annotations

import html
import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

MAX_TEXT_UTF16 = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_INLINE_ID_BYTES = 64
MAX_CALLBACK_ANSWER_CHARS = 200

# Tags Telegram's HTML parse mode accepts, with the attributes that matter.
TELEGRAM_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a",
                           "tg-spoiler", "span", "blockquote", "tg-emoji"})
TELEGRAM_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
# Parameters sent form-encoded as JSON text (PTB encodes non-string values as JSON).
_JSON_PARAMS = frozenset({"reply_markup", "results", "commands", "allowed_updates", "entities", "scope",
                          "link_preview_options", "reply_parameters", "button"})
_INT_PARAMS = frozenset({"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "user_id",
                         "reply_to_message_id", "max_connections", "show_alert", "disable_notification"})
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Parses Telegram's HTML subset into plain text, recording the first error Telegram would report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.error: str | None = None
        self.plain: list[str] = []

    def _fail(self, message: str) -> None:
        self.error = self.error or message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag not in TELEGRAM_TAGS:
            self._fail(f"Can't parse entities: unsupported start tag \"{tag}\"")
        elif tag == "a" and not found.get("href"):
            self._fail("Can't parse entities: a tag \"a\" must have an href")
        elif tag == "span" and found.get("class") != "tg-spoiler":
            self._fail("Can't parse entities: tag \"span\" must have class \"tg-spoiler\"")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f"Can't parse entities: unsupported start tag \"{tag}/\"")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self._fail(f"Can't parse entities: can't find start tag corresponding to end tag \"{tag}\"")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # entities arrive through handle_entityref, so this "<" is bare (e.g. a trailing "<b")
            self._fail("Can't parse entities: unclosed start tag")
        self.plain.append(data)

    def handle_entityref(self, name: str) -> None:
        if name not in TELEGRAM_ENTITIES:
            self._fail(f"Can't parse entities: unsupported HTML entity \"&{name};\"")
        self.plain.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.plain.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self._fail("Can't parse entities: comments are not supported")

    def handle_decl(self, decl: str) -> None:
        self._fail("Can't parse entities: declarations are not supported")

    def handle_pi(self, data: str) -> None:
        self._fail("Can't parse entities: processing instructions are not supported")


_BARE_AMP = re.compile(r"&(?!(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);)")
_BARE_LT = re.compile(r"<(?![a-zA-Z/])|</(?![a-zA-Z])")


def parse_telegram_html(text: str) -> tuple[str, str | None]:
    """(plain text, error or None) for `text` in parse_mode=HTML, as strict as Telegram."""
    if _BARE_AMP.search(text):
        return text, "Can't parse entities: character '&' must be escaped (bare & not part of an entity)"
    if _BARE_LT.search(text):
        return text, "Can't parse entities: character '<' must be escaped"
    parser = _TelegramHTML()
    try:
        parser.feed(text)
        parser.close()
    except Exception as error:  # any parser failure is a 400 for Telegram too
        return text, f"Can't parse entities: {error}"
    if parser.rawdata:  # html.parser keeps an unterminated "<tag" here
        return text, "Can't parse entities: unclosed start tag"
    if parser.error:
        return text, parser.error
    if parser.stack:
        return text, f"Can't parse entities: can't find end tag corresponding to start tag \"{parser.stack[-1]}\""
    return "".join(parser.plain), None


def telegram_html_problem(text: str) -> str | None:
    """Why Telegram would refuse this text with parse_mode=HTML, or None (for tests of our own HTML)."""
    return parse_telegram_html(text)[1]


class _Refused(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class FakeBotAPI:
    def __init__(self, token: str = "123456:TEST-TOKEN", username: str = "scamcheck_test_bot") -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 123456
        self.calls: list[tuple[str, dict]] = []
        self.rejected: list[tuple[str, dict, str]] = []
        self.blocked: set[int] = set()
        self.fail_rate: float = 0.0
        self.confirmed_offset: int = 0
        self.commands: dict[tuple[str, str], list[dict]] = {}  # (scope type, language_code) -> commands
        self.webhook: dict[str, Any] = {}
        self._updates: list[dict] = []
        self._sent: list[dict] = []
        self._messages: dict[tuple[int, int], dict] = {}  # (chat, message_id) -> message the bot sent
        self._callback_ids: set[str] = set()
        self._inline_ids: set[str] = set()
        self._faults: list[list[Any]] = []  # [method | None, kind, remaining, retry_after]
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(100)
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._random = random.Random(4)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        fake = self

        class Handler(_Handler):
            api = fake

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fakebotapi", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeBotAPI:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the test feeds in ----------------------------------------------------------------
    def _user(self, user_id: int, language_code: str | None) -> dict:
        user = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    @staticmethod
    def _chat(chat_id: int, chat_type: str) -> dict:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = f"User{chat_id}"
        else:
            chat["title"] = f"Group {chat_id}"
        return chat

    @staticmethod
    def _auto_entities(text: str) -> list[dict]:
        """The entities Telegram itself adds: a leading /command and @mentions."""
        entities = []
        command = re.match(r"/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?", text)
        if command:
            entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
        for mention in re.finditer(r"(?<![\w/])@[A-Za-z0-9_]{5,32}", text):
            entities.append({"type": "mention", "offset": utf16_len(text[: mention.start()]),
                             "length": utf16_len(mention.group())})
        return entities

    def add_update(self, update: dict) -> int:
        with self._cond:
            if "update_id" not in update:
                update = {"update_id": next(self._ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
            return update["update_id"]

    def add_message(self, text: str | None, *, user_id: int = 1001, chat_id: int | None = None,
                    language_code: str | None = "en", chat_type: str = "private", reply_to_text: str | None = None,
                    forwarded: bool = False, entities: list | None = None, extra: dict | None = None) -> int:
        chat_id = chat_id if chat_id is not None else (user_id if chat_type == "private" else -100000 - user_id)
        now = int(time.time())
        message: dict[str, Any] = {"message_id": next(self._message_ids), "from": self._user(user_id, language_code),
                                   "chat": self._chat(chat_id, chat_type), "date": now}
        if text is not None:
            message["text"] = text
            found = entities if entities is not None else self._auto_entities(text)
            if found:
                message["entities"] = found
        if reply_to_text is not None:
            message["reply_to_message"] = {
                "message_id": next(self._message_ids), "from": self._user(user_id + 1, None),
                "chat": self._chat(chat_id, chat_type), "date": now - 60, "text": reply_to_text,
            }
        if forwarded:
            message["forward_origin"] = {"type": "user", "date": now - 3600,
                                         "sender_user": {"id": 777, "is_bot": False, "first_name": "Recruiter"}}
        message.update(extra or {})
        return self.add_update({"message": message})

    def add_callback(self, data: str, *, user_id: int = 1001, chat_id: int | None = None, message_id: int = 1) -> int:
        chat_id = chat_id if chat_id is not None else user_id
        query_id = f"cb{next(self._ids)}"
        with self._cond:
            self._callback_ids.add(query_id)
        bot_message = {"message_id": message_id, "date": int(time.time()), "text": "…",
                       "from": {"id": self.bot_id, "is_bot": True, "first_name": "Bot", "username": self.username},
                       "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup")}
        return self.add_update({"callback_query": {"id": query_id, "from": self._user(user_id, "en"),
                                                   "message": bot_message, "chat_instance": f"ci{chat_id}",
                                                   "data": data}})

    def add_inline_query(self, query: str, *, user_id: int = 1001) -> int:
        query_id = f"iq{next(self._ids)}"
        with self._cond:
            self._inline_ids.add(query_id)
        return self.add_update({"inline_query": {"id": query_id, "from": self._user(user_id, "en"), "query": query,
                                                 "offset": "", "chat_type": "sender"}})

    def inject(self, method: str | None, kind: str, times: int = 1, retry_after: int = 1) -> None:
        """Make the next `times` calls of `method` (any method if None) fail with `kind`."""
        if kind not in ("429", "502", "drop", "hang"):
            raise ValueError(f"unknown fault kind {kind!r}")
        with self._cond:
            self._faults.append([method, kind, times, retry_after])

    # -- what the test reads back --------------------------------------------------------------
    def sent(self, chat_id: int | None = None) -> list[dict]:
        with self._cond:
            return [dict(m) for m in self._sent if chat_id is None or m["chat_id"] == chat_id]

    def calls_of(self, method: str) -> list[dict]:
        with self._cond:
            return [params for name, params in self.calls if name == method]

    def pending_updates(self) -> int:
        with self._cond:
            return len(self._updates)

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.02)
        return bool(predicate())

    # -- serving -------------------------------------------------------------------------------
    def _fault_for(self, method: str) -> tuple[str, int] | None:
        with self._cond:
            for fault in self._faults:
                if fault[0] in (None, method) and fault[2] > 0:
                    fault[2] -= 1
                    return fault[1], fault[3]
            self._faults = [f for f in self._faults if f[2] > 0]
        if self.fail_rate and self._random.random() < self.fail_rate:
            return self._random.choice(("429", "502", "drop")), 1
        return None

    def handle(self, method: str, params: dict) -> Any:
        """The result of a call, or raises _Refused. Runs in the server's request thread."""
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            raise _Refused(404, "Not Found")
        return handler(params)

    def _refuse(self, method: str, params: dict, code: int, description: str) -> None:
        with self._cond:
            self.rejected.append((method, params, description))
        raise _Refused(code, description)

    def _check_text(self, method: str, params: dict, text: Any, parse_mode: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            self._refuse(method, params, 400, "Bad Request: message text is empty")
        plain = text
        if str(parse_mode).lower() == "html":
            plain, error = parse_telegram_html(text)
            if error:
                self._refuse(method, params, 400, f"Bad Request: {error}")
        if not plain.strip():
            self._refuse(method, params, 400, "Bad Request: message text is empty")
        if utf16_len(plain) > MAX_TEXT_UTF16:
            self._refuse(method, params, 400, "Bad Request: message is too long")
        return plain

    def _check_markup(self, method: str, params: dict) -> None:
        markup = params.get("reply_markup")
        if markup is None:
            return
        if not isinstance(markup, dict):
            self._refuse(method, params, 400, "Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not str(button.get("text", "")).strip():
                    self._refuse(method, params, 400, "Bad Request: text buttons are unallowed in the inline keyboard")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
                    self._refuse(method, params, 400, "Bad Request: BUTTON_DATA_INVALID")

    def _check_chat(self, method: str, params: dict) -> int:
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            self._refuse(method, params, 400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            self._refuse(method, params, 403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _bot_user(self) -> dict:
        return {"id": self.bot_id, "is_bot": True, "first_name": "Scam Check", "username": self.username}

    def _m_getMe(self, params: dict) -> dict:
        return {**self._bot_user(), "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": True, "can_connect_to_business": False, "has_main_web_app": False}

    def _m_getUpdates(self, params: dict) -> list[dict]:
        if self.webhook.get("url"):
            self._refuse("getUpdates", params, 409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0.0, min(50.0, float(params.get("timeout") or 0)))
        deadline = time.monotonic() + timeout
        with self._cond:
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                self.confirmed_offset = max(self.confirmed_offset, offset)
            while not self._updates and not self._stopping.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return [dict(u) for u in self._updates[:limit]]

    def _m_sendMessage(self, params: dict) -> dict:
        chat_id = self._check_chat("sendMessage", params)
        plain = self._check_text("sendMessage", params, params.get("text"), params.get("parse_mode"))
        self._check_markup("sendMessage", params)
        message = {"message_id": next(self._message_ids), "from": self._bot_user(),
                   "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                   "date": int(time.time()), "text": plain}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        with self._cond:
            self._messages[(chat_id, message["message_id"])] = {**params, "message_id": message["message_id"]}
            self._sent.append({**params, "message_id": message["message_id"]})
        return message

    def _m_editMessageText(self, params: dict) -> dict:
        chat_id = self._check_chat("editMessageText", params)
        plain = self._check_text("editMessageText", params, params.get("text"), params.get("parse_mode"))
        self._check_markup("editMessageText", params)
        key = (chat_id, params.get("message_id"))
        with self._cond:
            old = self._messages.get(key)  # type: ignore[arg-type]
        if old is None:
            self._refuse("editMessageText", params, 400, "Bad Request: message to edit not found")
        if old.get("text") == params.get("text") and old.get("reply_markup") == params.get("reply_markup"):
            self._refuse("editMessageText", params, 400, "Bad Request: message is not modified")
        with self._cond:
            self._messages[key] = {**old, **params}  # type: ignore[index]
        return {"message_id": params["message_id"], "from": self._bot_user(), "date": int(time.time()),
                "chat": self._chat(chat_id, "private" if chat_id > 0 else "supergroup"), "text": plain}

    def _m_answerCallbackQuery(self, params: dict) -> bool:
        if params.get("callback_query_id") not in self._callback_ids:
            self._refuse("answerCallbackQuery", params, 400, "Bad Request: query is too old and response timeout "
                         "expired or query ID is invalid")
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_CHARS:
            self._refuse("answerCallbackQuery", params, 400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _m_answerInlineQuery(self, params: dict) -> bool:
        method = "answerInlineQuery"
        if params.get("inline_query_id") not in self._inline_ids:
            self._refuse(method, params, 400, "Bad Request: query is too old and response timeout expired or "
                         "query ID is invalid")
        results = params.get("results")
        if not isinstance(results, list):
            self._refuse(method, params, 400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            self._refuse(method, params, 400, "Bad Request: RESULTS_TOO_MUCH")
        ids = [str(r.get("id", "")) for r in results]
        if any(not 1 <= len(i.encode("utf-8")) <= MAX_INLINE_ID_BYTES for i in ids):
            self._refuse(method, params, 400, "Bad Request: RESULT_ID_INVALID")
        if len(set(ids)) != len(ids):
            self._refuse(method, params, 400, "Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            if result.get("type") == "article" and not str(result.get("title") or "").strip():
                self._refuse(method, params, 400, "Bad Request: RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            if "message_text" in content:
                self._check_text(method, params, content["message_text"], content.get("parse_mode"))
            self._check_markup(method, {"reply_markup": result.get("reply_markup")})
        return True

    def _m_setMyCommands(self, params: dict) -> bool:
        method = "setMyCommands"
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            self._refuse(method, params, 400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            if not _COMMAND_NAME.match(str(command.get("command", ""))):
                self._refuse(method, params, 400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                self._refuse(method, params, 400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        language = str(params.get("language_code") or "")
        if language and not _LANGUAGE_CODE.match(language):
            self._refuse(method, params, 400, "Bad Request: LANG_CODE_INVALID")
        scope = (params.get("scope") or {}).get("type", "default")
        with self._cond:
            self.commands[(scope, language)] = commands
        return True

    def _m_getMyCommands(self, params: dict) -> list[dict]:
        scope = (params.get("scope") or {}).get("type", "default")
        return self.commands.get((scope, str(params.get("language_code") or "")), [])

    def _m_deleteMyCommands(self, params: dict) -> bool:
        scope = (params.get("scope") or {}).get("type", "default")
        self.commands.pop((scope, str(params.get("language_code") or "")), None)
        return True

    def _m_setWebhook(self, params: dict) -> bool:
        if not str(params.get("url", "")).startswith(("https://", "http://")):
            self._refuse("setWebhook", params, 400, "Bad Request: bad webhook: invalid URL")
        self.webhook = {"url": params["url"], "secret_token": params.get("secret_token")}
        if params.get("drop_pending_updates") in (True, "true", "True"):
            with self._cond:
                self._updates.clear()
        return True

    def _m_deleteWebhook(self, params: dict) -> bool:
        self.webhook = {}
        if params.get("drop_pending_updates") in (True, "true", "True"):
            with self._cond:
                self._updates.clear()
        return True

    def _m_getWebhookInfo(self, params: dict) -> dict:
        return {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": self.pending_updates()}

    def _m_sendChatAction(self, params: dict) -> bool:
        self._check_chat("sendChatAction", params)
        return True

    def _m_deleteMessage(self, params: dict) -> bool:
        self._check_chat("deleteMessage", params)
        return True

    def _m_close(self, params: dict) -> bool:
        return True

    def _m_logOut(self, params: dict) -> bool:
        return True


def _decode_params(raw: dict[str, str]) -> dict[str, Any]:
    """Form values as Telegram reads them: JSON for structured fields, integers for ids."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _JSON_PARAMS and isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                params[key] = value
        elif key in _INT_PARAMS and isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            params[key] = int(value)
        else:
            params[key] = value
    return params


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog is 5: when a bot opens dozens of connections at once (a burst of
    # replies), the kernel drops the extra SYNs and the client retries only after TCP's 1 s timeout,
    # which Telegram's servers do not do to anyone. 128 is what real servers commonly use (SOMAXCONN).
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (the bot stopping, a timeout) is normal here, not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    api: FakeBotAPI
    protocol_version = "HTTP/1.1"  # keep-alive, like Telegram: httpx reuses connections

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read their own output
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _read_params(self) -> dict[str, Any]:
        url = urlsplit(self.path)
        raw: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if body and kind == "application/json":
            data = json.loads(body.decode("utf-8"))
            return {**_decode_params(raw), **data}
        if body:
            raw.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        return _decode_params(raw)

    def _reply(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _serve(self) -> None:
        api = self.api
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", urlsplit(self.path).path)
        try:
            params = self._read_params()
        except (ValueError, UnicodeDecodeError):
            self._reply(400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid body"})
            return
        if not match:
            self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.groups()
        with api._cond:
            api.calls.append((method, params))
        if token != api.token:
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        fault = api._fault_for(method)
        if fault:
            kind, retry_after = fault
            if kind == "429":
                self._reply(429, {"ok": False, "error_code": 429,
                                  "description": f"Too Many Requests: retry after {retry_after}",
                                  "parameters": {"retry_after": retry_after}})
            elif kind == "502":
                self._reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
            elif kind == "hang":
                api._stopping.wait(60)
                self.close_connection = True
            else:  # drop: close the connection without answering
                self.close_connection = True
            return
        try:
            result = api.handle(method, params)
        except _Refused as refused:
            payload = {"ok": False, "error_code": refused.code, "description": refused.description}
            if refused.parameters:
                payload["parameters"] = refused.parameters
            self._reply(refused.code, payload)
            return
        self._reply(200, {"ok": True, "result": result})
