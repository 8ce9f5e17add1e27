"""Load run: many distinct users talking to the real bot process (`scambot run`) through a fake Bot API.

Run: python benchmarks/load_run.py [--users 2000] [--per-user 5] [--active 200] [--repeat 3]
                                   [--fault-rate 0.1] [--kill-at 0.5] [--baseline] [--json out.json]

Each simulated user writes in one of five languages (Arabic in Arabic script or typed in Latin letters,
Sorani, English, French, Russian): /start (sometimes from a poster's deep link), questions from the
labelled set, pasted or forwarded offers, /check, buttons (topics, signs, hotline and country, language,
"check an offer", "ask"), other commands, /subscribe. A user sends the next message once the previous one
is answered, as a person does; `--active` users talk at the same time, and a new user arrives whenever
one finishes. Now and then someone also chats in a group (the bot must stay silent) or uses inline mode.

"Answered" means: Telegram (the fake server) accepted a sendMessage to the user's chat for that update.
Every reply in this workload is one message, so the k-th accepted message to a chat answers the k-th
update of that user. The run reports updates per second, p50/p99 time from update to reply, the bot's
peak memory (VmHWM of the bot process), and what went wrong: unanswered updates, duplicate answers,
error lines in the bot's log, the token in the log. With --repeat N the medians are reported.

--fault-rate: that share of Bot API calls fails at random (429 with retry_after, 502, dropped
connection, a reply that never comes; see tests/faultyapi.py). --kill-at F: the bot is killed with
SIGKILL once a share F of the updates is answered, and restarted; the run then reports which updates
were confirmed to Telegram but never answered (lost), how many answered ones were not yet confirmed (Telegram
sends them again: answered twice), and checks that the database survived.
--baseline: the same load against a minimal python-telegram-bot echo bot with the same pool and timeouts:
the ceiling of the transport (PTB + fake server on this machine), beside which our figures are read. The
echo bot uses PTB's own HTTP client (httpx) unless --echo-transport aiohttp gives it ours
(bot/telegram/transport.py): the first is the issue's baseline, the second isolates what our engine,
state and adapter cost on the same transport.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT, ROOT / "tests"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from faultyapi import FaultyBotAPI  # noqa: E402

ADMIN_ID = 9001
FIRST_USER_ID = 50_000_000
VOICES = ("ar", "ar-latin", "ckb", "en", "fr", "ru")  # five languages; Arabic also typed in Latin letters
MAX_STEPS_WITHOUT_FLOOD = 12  # the bot's per-user burst (bot/telegram/flood.py): more and it says "slow down"
STATS_METRICS = ("questions", "checks")

ECHO_BOT = r"""
import os
from telegram.ext import Application, CallbackQueryHandler, InlineQueryHandler, MessageHandler, filters
from telegram.request import HTTPXRequest

if os.environ.get("ECHO_TRANSPORT") == "aiohttp":  # our bot's HTTP client (bot/telegram/transport.py)
    from bot.telegram.transport import AiohttpRequest as Request
else:  # python-telegram-bot's own, httpx
    Request = HTTPXRequest
root = os.environ["TELEGRAM_API_BASE_URL"].rstrip("/")
async def echo(update, context):
    if update.effective_chat.type == "private":
        await context.bot.send_message(update.effective_chat.id, "echo")
async def button(update, context):
    await update.callback_query.answer()
    await context.bot.send_message(update.effective_chat.id, "echo")
async def inline(update, context):
    await update.inline_query.answer([])
app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(root + "/bot")
       .request(Request(connection_pool_size=64, pool_timeout=20.0, connect_timeout=10.0, read_timeout=20.0,
                        write_timeout=20.0))
       .get_updates_request(Request(connection_pool_size=2, connect_timeout=10.0, read_timeout=10.0))
       .concurrent_updates(256).build())
app.add_handler(MessageHandler(filters.ALL, echo))
app.add_handler(CallbackQueryHandler(button))
app.add_handler(InlineQueryHandler(inline))
app.run_polling(timeout=10, allowed_updates=["message", "callback_query", "inline_query"])
"""
ECHO_TRANSPORTS = ("httpx", "aiohttp")


# -- the workload ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    kind: str  # "text" or "callback"
    payload: str
    forwarded: bool = False
    records: bool = False  # counted in the statistics (a question or an offer check)
    subscribes: bool = False
    # The warning-sign list is long: in some languages (French) it is split into two messages, the last
    # one carrying the buttons. For such a step only the message with buttons completes the answer.
    may_split: bool = False


@dataclass
class Plan:
    user_id: int
    voice: str
    language_code: str | None
    steps: list[Step]
    inline_query: str | None = None
    group_chatter: str | None = None


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class Corpus:
    questions: dict[str, list[str]]  # voice -> questions
    offers: dict[str, list[str]]  # language -> offers
    topics: tuple[str, ...]
    countries: tuple[str, ...]

    @classmethod
    def load(cls, topics: tuple[str, ...], countries: tuple[str, ...]) -> Corpus:
        questions: dict[str, list[str]] = {voice: [] for voice in VOICES}
        for row in _read_jsonl(ROOT / "eval" / "questions.jsonl"):
            lang, text = row.get("lang"), row["text"]
            if lang == "ar" and text.isascii():
                questions["ar-latin"].append(text)
            elif lang in questions:
                questions[lang].append(text)
        offers: dict[str, list[str]] = {}
        for row in _read_jsonl(ROOT / "eval" / "offers_dev.jsonl"):
            if len(row["text"]) <= 3000:
                offers.setdefault(row.get("lang") or "en", []).append(row["text"])
        return cls(questions, offers, topics, countries)

    def offer(self, rng: random.Random, lang: str) -> str:
        pool = self.offers.get(lang) or [o for group in self.offers.values() for o in group]
        return rng.choice(pool)


def make_plans(corpus: Corpus, users: int, per_user: int, seed: int = 6,
               first_user_id: int = FIRST_USER_ID) -> list[Plan]:
    """The same users and messages for the same arguments: runs and the baseline are comparable."""
    rng = random.Random(seed)
    plans = []
    for index in range(users):
        voice = VOICES[index % len(VOICES)]
        lang = "ar" if voice == "ar-latin" else voice
        # Apps in Iraq are often set to English; Sorani has no Telegram code of its own (ku / none).
        language_code = rng.choice({"ar-latin": ["en", "ar", None], "ckb": ["ku", "ckb", "ar", None]}
                                   .get(voice, [lang, lang, "en"]))
        steps: list[Step] = []
        awaiting_offer = False
        for position in range(per_user):
            if awaiting_offer:  # after the "check an offer" button the person pastes one
                steps.append(Step("text", corpus.offer(rng, lang), records=True))
                awaiting_offer = False
                continue
            roll = rng.random()
            if position == 0 and roll < 0.7:
                payload = rng.choice(["", "", f"src-poster_{index % 37}", f"lang-{lang}-src-uni_{index % 11}",
                                      f"lang-{lang}"])
                steps.append(Step("text", f"/start {payload}".strip()))
            elif roll < 0.45:
                steps.append(Step("text", rng.choice(corpus.questions[voice]), records=True))
            elif roll < 0.58:
                steps.append(Step("text", corpus.offer(rng, lang), forwarded=rng.random() < 0.5, records=True))
            elif roll < 0.62:
                steps.append(Step("text", "/check " + corpus.offer(rng, lang), records=True))
            elif roll < 0.82:
                choice = rng.random()
                if choice < 0.5:
                    steps.append(Step("callback", f"v1|t|{rng.choice(corpus.topics)}", records=True))
                elif choice < 0.6 and position < per_user - 1:
                    steps.append(Step("callback", "v1|c"))
                    awaiting_offer = True
                else:
                    country = rng.choice(corpus.countries) if corpus.countries else "ZZ"
                    data = rng.choice(["v1|s", "v1|h", "v1|a", f"v1|L|{lang}", f"v1|C|{country}", "v1|l"])
                    steps.append(Step("callback", data, may_split=data == "v1|s"))
            elif roll < 0.85:
                steps.append(Step("text", "/subscribe", subscribes=True))
            else:
                command = rng.choice(["/help", "/signs", "/privacy", "/hotline", "/language"])
                steps.append(Step("text", command, may_split=command == "/signs"))
        plan = Plan(first_user_id + index, voice, language_code, steps)
        # An inline query takes a token of the person's flood-control burst too: with a full burst of
        # messages it would tip a fast run into "slow down" (the same random draw either way, so plans
        # stay comparable).
        if rng.random() < 0.05 and len(steps) < MAX_STEPS_WITHOUT_FLOOD:
            plan.inline_query = rng.choice(corpus.questions[voice])[:200]
        if rng.random() < 0.05:
            plan.group_chatter = rng.choice(corpus.questions[voice])
        plans.append(plan)
    return plans


# -- the bot process -----------------------------------------------------------------------------------

@dataclass
class BotRunner:
    """`python -m bot run` (or any command) against the fake server, its log in a file."""

    fake: FaultyBotAPI
    data_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    command: list[str] | None = None
    prefix: list[str] = field(default_factory=list)  # e.g. ["unshare", "-m", "sh", "-c", ...]
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    peak_kib: int = 0
    cpu_s: dict[int, float] = field(default_factory=dict)  # pid -> CPU seconds (user + system) seen so far
    starts: int = 0

    def env(self) -> dict[str, str]:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": self.fake.token, "TELEGRAM_API_BASE_URL": self.fake.base_url,
               "SCAMBOT_DATA_DIR": str(self.data_dir), "SCAMBOT_ADMINS": str(ADMIN_ID), "PYTHONUNBUFFERED": "1",
               "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("SCAMBOT_HASH_KEY", None)
        env.update(self.extra_env)
        return env

    def start(self, wait: bool = True, timeout: float = 90.0) -> None:
        self.starts += 1
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}-bot-{self.starts}.log"
        before = len(self.fake.calls_of("getUpdates"))
        command = self.command or [sys.executable, "-m", "bot", "run"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([*self.prefix, *command], cwd=ROOT, env=self.env(), stdout=log,
                                            stderr=subprocess.STDOUT)
        if wait:
            self.wait_polling(before, timeout)

    def wait_polling(self, before: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while len(self.fake.calls_of("getUpdates")) <= before:
            if not self.alive():
                raise RuntimeError(f"the bot exited with {self.process.returncode}:\n{self.log()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start polling in {timeout}s:\n{self.log()[-3000:]}")
            time.sleep(0.05)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def sample_memory(self) -> int:
        """VmHWM (peak resident memory) of the bot process so far, in KiB; remembered across restarts."""
        if self.alive():
            try:
                for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks = os.sysconf("SC_CLK_TCK")
                self.cpu_s[self.process.pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
            except (OSError, ValueError, IndexError):
                pass
        return self.peak_kib

    def kill(self) -> None:
        """SIGKILL: no cleanup, no last getUpdates, no database close."""
        if self.alive():
            self.sample_memory()
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.alive():
            self.sample_memory()
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        """Every log of this runner (one file per start), oldest first."""
        parts = []
        for n in range(1, self.starts + 1):
            path = self.data_dir.parent / f"{self.data_dir.name}-bot-{n}.log"
            if path.exists():
                parts.append(path.read_text(encoding="utf-8", errors="replace"))
        return "".join(parts)


def prepare_data_dir(data_dir: Path, cache: Path | None = None) -> Path:
    """A data directory with the compiled content copied in, so the bot does not compile it again."""
    data_dir.mkdir(parents=True, exist_ok=True)
    cache = cache or compiled_content_cache()
    shutil.copy2(cache / "content.db", data_dir / "content.db")
    return data_dir


_CACHE: dict[str, Path] = {}


def compiled_content_cache() -> Path:
    """A directory holding content.db compiled from the default faq/ (once per process)."""
    if "dir" not in _CACHE:
        from bot.config import Config
        from bot.engine import Engine

        cache = Path(tempfile.mkdtemp(prefix="scambot-content-"))
        atexit.register(shutil.rmtree, cache, True)
        engine = Engine.load(Config(data_dir=cache))
        _CACHE["dir"] = cache
        _ENGINE["engine"] = engine
    return _CACHE["dir"]


_ENGINE: dict[str, Any] = {}


def engine():
    compiled_content_cache()
    return _ENGINE["engine"]


# -- the driver -----------------------------------------------------------------------------------------

@dataclass
class UserRun:
    plan: Plan
    ids: list[int] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    replies: list[float] = field(default_factory=list)
    parts: int = 0  # first parts of a split answer (not counted as answers)
    lost: set[int] = field(default_factory=set)  # indexes of updates known never to be answered
    done: bool = False

    def expected(self) -> int:
        return len(self.ids) - len(self.lost)

    def answered_current(self) -> bool:
        return len(self.replies) >= self.expected()


class Driver:
    """Feeds each user's next message when the previous one is answered; `active` users at a time."""

    def __init__(self, fake: FaultyBotAPI, plans: list[Plan], active: int, split_aware: bool = True) -> None:
        self.fake = fake
        self.split_aware = split_aware
        self.users = {plan.user_id: UserRun(plan) for plan in plans}
        self.waiting = [plan.user_id for plan in reversed(plans)]
        self.active = max(1, active)
        self.lock = threading.RLock()
        self.frozen = False
        self.finished = 0
        self.replies_total = 0
        self.other_replies: Counter[int] = Counter()
        self.inline_ids: dict[str, int] = {}  # inline query id -> accepted answers
        self.group_chats: set[int] = set()
        self.first_sent = 0.0
        self.last_reply = 0.0
        self.last_progress = time.monotonic()
        fake.on_accepted = self._accepted

    # called in the fake server's request threads
    def _accepted(self, method: str, params: dict, result: Any, now: float) -> None:
        if method == "answerInlineQuery":
            with self.lock:
                query = str(params.get("inline_query_id"))
                if query in self.inline_ids:
                    self.inline_ids[query] += 1
            return
        if method != "sendMessage":
            return
        chat = params.get("chat_id")
        with self.lock:
            user = self.users.get(chat)  # type: ignore[arg-type]
            if user is None:
                self.other_replies[chat] += 1  # type: ignore[index]
                return
            current = user.plan.steps[len(user.ids) - 1] if user.ids else None
            if self.split_aware and current is not None and current.may_split and not params.get("reply_markup") \
                    and not user.answered_current():
                user.parts += 1
                return
            user.replies.append(now)
            self.replies_total += 1
            self.last_reply = now
            self.last_progress = now
            # ">=": after a crash some answers come twice (at least once), and a user can be ahead by then.
            if user.answered_current() and not self.frozen:
                self._advance(user)

    def _advance(self, user: UserRun) -> None:
        """The user's current update is answered (or known lost): send the next one, or finish."""
        if user.done or not user.answered_current():
            return
        position = len(user.ids)
        if position < len(user.plan.steps):
            self._send(user, user.plan.steps[position])
            return
        user.done = True
        self.finished += 1
        if self.waiting:
            self._begin(self.users[self.waiting.pop()])

    def _send(self, user: UserRun, step: Step) -> None:
        plan = user.plan
        now = time.monotonic()
        if not self.first_sent:
            self.first_sent = now
        if step.kind == "callback":
            update_id = self.fake.add_callback(step.payload, user_id=plan.user_id)
        else:
            update_id = self.fake.add_message(step.payload, user_id=plan.user_id, language_code=plan.language_code,
                                              forwarded=step.forwarded)
        user.ids.append(update_id)
        user.sent_at.append(now)

    def _begin(self, user: UserRun) -> None:
        plan = user.plan
        if plan.group_chatter:  # people chatting in a group the bot is in: it must stay silent
            group = -1_000_000_000_000 - plan.user_id
            self.group_chats.add(group)
            self.fake.add_message(plan.group_chatter, user_id=plan.user_id, chat_id=group, chat_type="supergroup")
        if plan.inline_query is not None:
            before = set(self.fake._inline_ids)
            self.fake.add_inline_query(plan.inline_query, user_id=plan.user_id)
            for query in set(self.fake._inline_ids) - before:
                self.inline_ids[query] = 0
        self._advance(user)

    # called from the main thread
    def start(self) -> None:
        with self.lock:
            for _ in range(min(self.active, len(self.waiting))):
                self._begin(self.users[self.waiting.pop()])

    def freeze(self) -> None:
        with self.lock:
            self.frozen = True

    def unfreeze(self) -> None:
        with self.lock:
            self.frozen = False
            for user in list(self.users.values()):
                if user.ids and not user.done:
                    self._advance(user)

    def all_done(self) -> bool:
        with self.lock:
            return self.finished == len(self.users)

    def planned(self) -> int:
        return sum(len(user.plan.steps) for user in self.users.values())

    def in_flight(self) -> list[UserRun]:
        with self.lock:
            return [u for u in self.users.values() if u.ids and not u.done and not u.answered_current()]

    def wait(self, stall: float, deadline: float) -> bool:
        """Until every user is done, or nothing was answered for `stall` seconds, or `deadline`."""
        while not self.all_done():
            now = time.monotonic()
            if now - self.last_progress > stall or now > deadline:
                return False
            time.sleep(0.05)
        return True


# -- one run ----------------------------------------------------------------------------------------------

def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def read_state(data_dir: Path) -> dict[str, Any]:
    """Counters, subscribers and integrity of the bot's state database (read as an outsider)."""
    path = data_dir / "state.db"
    if not path.exists():
        return {"integrity": "missing", "counters": {}, "subscribed": set(), "stats_total": 0}
    conn = sqlite3.connect(path, timeout=10)
    try:
        integrity = conn.execute("pragma integrity_check").fetchone()[0]
        counters = {(d, m, k): n for d, m, k, n in conn.execute("select day, metric, key, n from counters")}
        subscribed = {r[0] for r in conn.execute("select chat_id from subscriptions")}
    finally:
        conn.close()
    total = sum(n for (_, metric, _), n in counters.items() if metric in STATS_METRICS)
    return {"integrity": integrity, "counters": counters, "subscribed": subscribed, "stats_total": total}


@contextmanager
def fake_server(fault_rate: float = 0.0, fault_kinds: tuple[str, ...] | None = None,
                fault_budget: dict[str, int] | None = None) -> Iterator[FaultyBotAPI]:
    fake = FaultyBotAPI()
    fake.fail_rate = fault_rate
    if fault_kinds:
        fake.fault_kinds = fault_kinds
    fake.fault_budget = dict(fault_budget or {})
    fake.start()
    try:
        yield fake
    finally:
        fake.stop()


def run_load(users: int = 60, per_user: int = 4, active: int = 30, seed: int = 6, fault_rate: float = 0.0,
             fault_kinds: tuple[str, ...] | None = None, fault_budget: dict[str, int] | None = None,
             kill_at: float | None = None, baseline: bool = False, echo_transport: str = "httpx",
             workdir: Path | None = None,
             stall: float = 60.0, max_seconds: float = 1800.0, keep: bool = False,
             on_started: Callable[[FaultyBotAPI], None] | None = None) -> dict[str, Any]:
    """One load run; a dict of figures and of everything that went wrong (see the module docstring)."""
    if per_user > MAX_STEPS_WITHOUT_FLOOD:
        raise ValueError(f"--per-user over {MAX_STEPS_WITHOUT_FLOOD} meets the bot's flood control by design")
    eng = engine()
    corpus = Corpus.load(eng.topic_ids, tuple(eng.countries()))
    plans = make_plans(corpus, users, per_user, seed)
    own_workdir = workdir is None
    workdir = workdir or Path(tempfile.mkdtemp(prefix="scambot-load-"))
    data_dir = prepare_data_dir(workdir / "data")
    result: dict[str, Any] = {"users": users, "per_user": per_user, "active": active, "fault_rate": fault_rate,
                              "bot": f"echo baseline ({echo_transport})" if baseline else "scambot run"}
    with fake_server(fault_rate, fault_kinds, fault_budget) as fake:
        command = [sys.executable, "-c", ECHO_BOT] if baseline else None
        runner = BotRunner(fake, data_dir, command=command,
                           extra_env={"ECHO_TRANSPORT": echo_transport} if baseline else {})
        started = time.monotonic()
        runner.start()
        result["startup_s"] = round(time.monotonic() - started, 2)
        if on_started is not None:
            on_started(fake)
        driver = Driver(fake, plans, active, split_aware=not baseline)
        deadline = time.monotonic() + max_seconds
        sampler_stop = threading.Event()

        def sample() -> None:
            while not sampler_stop.wait(0.2):
                runner.sample_memory()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        driver.start()
        try:
            if kill_at is not None:
                target = int(kill_at * driver.planned())
                while driver.replies_total < target and not driver.all_done() and time.monotonic() < deadline:
                    time.sleep(0.01)
                result["kill"] = kill_and_restart(runner, driver, data_dir)
            complete = driver.wait(stall, deadline)
            time.sleep(1.0)  # late duplicates, group replies
            runner.sample_memory()
            result["bot_alive_at_end"] = runner.alive()
        finally:
            sampler_stop.set()
            runner.stop()
        result.update(summarise(driver, complete))
        result["peak_memory_mib"] = round(runner.peak_kib / 1024, 1)
        # The bot's CPU time over the run's duration: near 1.0, its one event loop is the limit.
        result["bot_cpu_share"] = round(sum(runner.cpu_s.values()) / max(1e-9, result["duration_s"]), 2)
        log = runner.log()
        result["log_error_lines"] = sum(1 for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line)
        result["log_tracebacks"] = log.count("Traceback")
        # Updates in progress for long while 100 newer ones waited, no longer holding back the getUpdates
        # offset (bot/telegram/polling.py): each is lost if the bot dies before it finishes.
        result["stragglers_released"] = sum(int(line.split(" update(s) in progress for over")[0].rsplit(" ", 1)[1])
                                            for line in log.splitlines() if "held back newer ones" in line)
        result["token_in_log"] = fake.token in log or fake.token.split(":", 1)[1] in log
        result["rejected"] = [(m, d) for m, _, d in fake.rejected]
        result["faults_served"] = dict(fake.faults_served)
        if not baseline:
            state = read_state(data_dir)
            result["integrity"] = state["integrity"]
            result["stats_total"] = state["stats_total"]
            result["stats_expected"] = sum(1 for u in driver.users.values()
                                           for i in range(len(u.ids)) if u.plan.steps[i].records)
            result["subscribed"] = len(state["subscribed"])
            result["subscribed_expected"] = sum(1 for u in driver.users.values()
                                                if any(s.subscribes for s in u.plan.steps[:len(u.ids)]))
            if "kill" in result:
                before = result["kill"].pop("state_before")
                result["kill"]["counters_kept"] = all(state["counters"].get(key, 0) >= n
                                                      for key, n in before["counters"].items())
                result["kill"]["subscriptions_kept"] = before["subscribed"] <= state["subscribed"]
                # When answers come twice, the driver can count the first part of a two-part answer (the French
                # warning-sign list) as a reply: a bound on that miscount is how many such steps were sent.
                result["kill"]["split_steps_sent"] = sum(1 for u in driver.users.values()
                                                         for i in range(len(u.ids)) if u.plan.steps[i].may_split)
        result["log_path"] = str(runner.log_path)
    if own_workdir and not keep:
        shutil.rmtree(workdir, ignore_errors=True)
        result.pop("log_path")
    return result


def kill_and_restart(runner: BotRunner, driver: Driver, data_dir: Path) -> dict[str, Any]:
    """SIGKILL the bot mid-run, restart it, and account for the updates that were in flight."""
    fake = driver.fake
    state_before = read_state(data_dir)
    driver.freeze()
    runner.kill()
    time.sleep(0.3)  # requests the server had already read finish; nothing new can arrive
    confirmed = fake.confirmed_offset
    after_crash = read_state(data_dir)
    lost: list[int] = []
    awaiting: list[UserRun] = []
    answered_before: dict[int, int] = {}
    answered_unconfirmed = 0
    with driver.lock:
        for user in driver.users.values():
            answered_before[user.plan.user_id] = len(user.replies)
            # Answered, but not yet confirmed (an older update was still in progress): Telegram sends it
            # again and the restarted bot answers it a second time (at least once, not exactly once).
            answered_unconfirmed += sum(1 for i in range(min(len(user.replies), len(user.ids)))
                                        if user.ids[i] >= confirmed)
            if not user.ids or user.done or user.answered_current():
                continue
            index = len(user.ids) - 1
            if user.ids[index] < confirmed:  # Telegram was told the bot had it: it will not come again
                user.lost.add(index)
                lost.append(user.ids[index])
            else:
                awaiting.append(user)
    restarted = time.monotonic()
    runner.start()
    redelivered_ok = fake.wait_until(lambda: all(u.answered_current() for u in awaiting), timeout=60)
    report = {
        "in_flight": len(lost) + len(awaiting),
        "lost_confirmed_unanswered": len(lost),
        "unconfirmed_redelivered": len(awaiting),
        "unconfirmed_all_answered": redelivered_ok,
        "unconfirmed_unanswered": sum(1 for u in awaiting if not u.answered_current()),
        "answered_unconfirmed": answered_unconfirmed,
        "restart_s": round(time.monotonic() - restarted, 2),
        "integrity_after_crash": after_crash["integrity"],
        "state_before": state_before,
    }
    driver.unfreeze()
    return report


def summarise(driver: Driver, complete: bool) -> dict[str, Any]:
    latencies: list[float] = []
    unanswered = duplicates = updates = 0
    for user in driver.users.values():
        live = [t for i, t in enumerate(user.sent_at) if i not in user.lost]
        updates += len(user.ids)
        unanswered += max(0, len(live) - len(user.replies))
        duplicates += max(0, len(user.replies) - len(live))
        latencies += [reply - sent for sent, reply in zip(live, user.replies, strict=False)]
    duration = max(1e-9, driver.last_reply - driver.first_sent)
    answered = updates - unanswered - sum(len(u.lost) for u in driver.users.values())
    return {
        "complete": complete,
        "updates": updates,
        "answered": answered,
        "unanswered": unanswered,
        "duplicates": duplicates,
        "group_replies": sum(driver.other_replies[c] for c in driver.group_chats),
        "inline_queries": len(driver.inline_ids),
        "inline_unanswered": sum(1 for n in driver.inline_ids.values() if n == 0),
        "inline_duplicates": sum(1 for n in driver.inline_ids.values() if n > 1),
        "duration_s": round(duration, 2),
        "updates_per_s": round(answered / duration, 1),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
    }


# -- command line ---------------------------------------------------------------------------------------------

SHOWN = ("updates", "answered", "unanswered", "duplicates", "updates_per_s", "p50_ms", "p99_ms", "max_ms",
         "peak_memory_mib", "startup_s", "log_error_lines", "stragglers_released", "bot_cpu_share")


def medians(runs: list[dict[str, Any]]) -> dict[str, Any]:
    numeric = {k for k in runs[0] if isinstance(runs[0][k], int | float) and not isinstance(runs[0][k], bool)}
    return {k: statistics.median(r[k] for r in runs) for k in sorted(numeric)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--per-user", type=int, default=5)
    parser.add_argument("--active", type=int, default=200, help="users talking at the same time")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--fault-kinds", default="429,502,drop,hang",
                        help="random fault kinds (429, 502, drop, hang, lost)")
    parser.add_argument("--max-hangs", type=int, default=10, help="cap on 'hang' faults (each costs 20 s)")
    parser.add_argument("--kill-at", type=float, default=None, help="SIGKILL the bot at this share of replies")
    parser.add_argument("--baseline", action="store_true", help="also run the echo-bot baseline")
    parser.add_argument("--echo-transport", choices=ECHO_TRANSPORTS, default="httpx",
                        help="the echo bot's HTTP client: PTB's own (httpx) or ours (aiohttp)")
    parser.add_argument("--json", type=Path, help="write every run and the medians here")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.fault_kinds.split(",") if k)
    bots = [False, True] if args.baseline else [False]
    report: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}, "machine": machine()}
    failed = False
    for baseline in bots:
        runs = []
        for n in range(args.repeat):
            run = run_load(args.users, args.per_user, args.active, args.seed, args.fault_rate, kinds,
                           {"hang": args.max_hangs}, args.kill_at, baseline, args.echo_transport)
            runs.append(run)
            shown = {k: run.get(k) for k in SHOWN}
            print(f"{run['bot']} run {n + 1}/{args.repeat}: {json.dumps(shown)}", flush=True)
            if "kill" in run:
                print(f"  kill: {json.dumps(run['kill'])}", flush=True)
            failed |= bool(run["unanswered"] or run["duplicates"] or run["rejected"] or run["token_in_log"]) \
                and not baseline and args.kill_at is None
        summary = medians(runs)
        report[runs[0]["bot"]] = {"runs": runs, "median": summary}
        print(f"{runs[0]['bot']} median of {len(runs)}: {json.dumps({k: summary.get(k) for k in SHOWN})}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=sorted), encoding="utf-8")
    return 1 if failed else 0


def machine() -> dict[str, Any]:
    import platform

    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


if __name__ == "__main__":
    sys.exit(main())
