"""The hashing key (issue 19, finding 6): a short SCAMBOT_HASH_KEY refused with a clear message; a key file
kept outside the data directory (SCAMBOT_HASH_KEY_FILE) and a warning when the key sits beside the database;
a warning for a Bot API address that is neither https nor loopback.

Before: a key of any length was accepted (a 1-byte key can be found by trying 256 keys), there was no key
file setting, and nothing was said about the key beside state.db or a plain-http Bot API."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT, start_bot, stop_bot, wait_started

from bot.cli.core import main
from bot.cli.telegram import startup_warnings
from bot.config import Config, ConfigError
from bot.keys import KEY_NAME
from bot.state.store import State

LONG_KEY = "a-deployment-key-of-at-least-32-bytes"


@pytest.fixture()
def env(monkeypatch, tmp_path):
    for name in ("SCAMBOT_HASH_KEY", "SCAMBOT_HASH_KEY_FILE", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


@pytest.mark.parametrize("key", ["zq", "x" * 31, "é" * 15])  # 2, 31 and 30 bytes
def test_a_hashing_key_shorter_than_32_bytes_is_refused_with_what_to_do(env, key):
    env.setenv("SCAMBOT_HASH_KEY", key)
    with pytest.raises(ConfigError, match="at least 32"):
        Config.from_env()
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 2
    assert "SCAMBOT_HASH_KEY is" in result.stderr and "secrets.token_hex(32)" in result.stderr
    assert key not in result.stderr.replace("SCAMBOT_HASH_KEY", "")  # the key itself is never printed


def test_a_key_of_32_bytes_is_used_as_given(env, tmp_path):
    env.setenv("SCAMBOT_HASH_KEY", "x" * 32)
    assert Config.from_env().hash_key == b"x" * 32


def test_the_generated_key_file_moved_out_of_the_data_directory_keeps_every_reference(env, tmp_path):
    data = tmp_path / "data"
    state = State.open(data)  # generates data/hash.key
    ref = state.user_ref(5550123)
    state.close()
    secrets_dir = tmp_path / "secrets"
    secrets_dir.mkdir()
    (data / KEY_NAME).rename(secrets_dir / "scambot_hash_key")
    env.setenv("SCAMBOT_HASH_KEY_FILE", str(secrets_dir / "scambot_hash_key"))
    config = Config.from_env()
    moved = State.open(config.data_dir, key=config.hash_key)
    assert moved.user_ref(5550123) == ref
    moved.close()
    assert not (data / KEY_NAME).exists()  # a configured key is never written into the data directory
    assert startup_warnings(config) == []


@pytest.mark.parametrize("content, problem", [(b"short\n", "is 5 bytes long"), (None, "cannot be read")])
def test_a_key_file_too_short_or_missing_is_refused(env, tmp_path, content, problem):
    path = tmp_path / "key"
    if content is not None:
        path.write_bytes(content)
    env.setenv("SCAMBOT_HASH_KEY_FILE", str(path))
    with pytest.raises(ConfigError, match=problem):
        Config.from_env()


def test_a_key_kept_in_the_data_directory_is_warned_about(env, tmp_path):
    config = Config.from_env()  # no key configured: hash.key is generated beside state.db
    [warning] = startup_warnings(config)
    assert "beside state.db" in warning and "SCAMBOT_HASH_KEY_FILE" in warning
    inside = config.data_dir / "my.key"
    config.data_dir.mkdir(parents=True)
    inside.write_text("k" * 40)
    env.setenv("SCAMBOT_HASH_KEY_FILE", str(inside))
    [warning] = startup_warnings(Config.from_env())
    assert "beside state.db" in warning
    env.setenv("SCAMBOT_HASH_KEY", LONG_KEY)  # from a secret store, not from a file of the data directory
    assert startup_warnings(Config.from_env()) == []


@pytest.mark.parametrize("url, warned", [
    ("http://bot-api.example.org:8081", True),
    ("http://10.0.0.5:8081", True),
    ("http://127.0.0.1:8081", False),
    ("http://localhost:8081", False),
    ("https://bot-api.example.org", False),
])
def test_a_plain_http_bot_api_address_off_this_machine_is_warned_about(env, url, warned):
    env.setenv("SCAMBOT_HASH_KEY", LONG_KEY)
    env.setenv("TELEGRAM_API_BASE_URL", url)
    warnings = startup_warnings(Config.from_env())
    assert bool(warnings) == warned
    if warned:
        assert "unencrypted" in warnings[0] and "token" in warnings[0]


@pytest.mark.slow
def test_the_bot_says_so_at_start(fake, tmp_path):
    bot = start_bot(fake, tmp_path / "data", ["run"])
    try:
        wait_started(bot, lambda: bool(fake.calls_of("getUpdates")))
        time.sleep(0.2)
    finally:
        stop_bot(bot)
    [line] = [line for line in bot.log().splitlines() if "beside state.db" in line]
    assert " WARNING " in line


def test_the_refusal_is_one_line_before_anything_is_created(tmp_path):
    data = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "SCAMBOT_DATA_DIR": str(data), "SCAMBOT_HASH_KEY": "short"}
    result = subprocess.run([sys.executable, "-m", "bot", "ask", "is this offer real?"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not data.exists()
