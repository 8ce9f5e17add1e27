"""The data folder is the bot's alone (issue 19, finding 2): created 0700, every state file 0600, older
folders and files corrected with one log line; the command line sets the umask; the image's volume too."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.state.store import DB_NAME, State

ROOT = Path(__file__).resolve().parents[2]
KEY = b"a-test-key-of-at-least-32-bytes!!"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def loose_umask():
    """The usual umask of a shell (022): what the bot must not rely on."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_new_data_folder_is_0700_and_every_state_file_0600(tmp_path, loose_umask):
    data = tmp_path / "data"
    state = State.open(data)  # the generated key too
    ref = state.user_ref(1)
    state.set_user(ref, lang="ar")
    state.subscribe(ref, chat_id=1)
    files = [*sorted(data.glob(DB_NAME + "*")), data / "hash.key"]
    assert {p.name for p in files} >= {DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm", "hash.key"}
    assert {p.name: oct(mode(p)) for p in files} == {p.name: "0o600" for p in files}
    assert oct(mode(data)) == "0o700"
    state.close()


def test_an_existing_folder_open_to_others_is_corrected_with_one_log_line(tmp_path, loose_umask, caplog):
    data = tmp_path / "data"
    State.open(data, key=KEY).close()
    data.chmod(0o755)
    for path in data.iterdir():
        path.chmod(0o644)
    with caplog.at_level(logging.INFO):
        State.open(data, key=KEY).close()
    lines = [r for r in caplog.records if "readable by other accounts" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING
    assert "0755->0700" in lines[0].getMessage() and "state.db 0644->0600" in lines[0].getMessage()
    assert oct(mode(data)) == "0o700"
    assert all(mode(p) & 0o077 == 0 for p in data.iterdir())
    caplog.clear()
    State.open(data, key=KEY).close()  # nothing left to correct: nothing said
    assert not [r for r in caplog.records if "readable by other accounts" in r.getMessage()]


def test_the_command_line_creates_nothing_others_can_read(tmp_path):
    """`scambot` under a umask of 022: the content cache, the state and the key all private."""
    data = tmp_path / "data"
    env = {**os.environ, "SCAMBOT_DATA_DIR": str(data)}
    for name in ("TELEGRAM_BOT_TOKEN", "SCAMBOT_HASH_KEY", "SCAMBOT_HASH_KEY_FILE"):
        env.pop(name, None)
    for args, stdin in ((["ask", "is a study offer in Russia safe?"], None), (["chat"], "hello\n/quit\n")):
        subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, env=env, cwd=ROOT, check=True,
                       capture_output=True, text=True, timeout=120, preexec_fn=lambda: os.umask(0o022))
    made = [data, *data.rglob("*")]
    assert (data / DB_NAME).exists() and (data / "hash.key").exists() and len(made) > 4
    assert {str(p.relative_to(tmp_path)): oct(mode(p) & 0o077) for p in made} == \
        {str(p.relative_to(tmp_path)): "0o0" for p in made}


def test_the_image_creates_the_data_volume_0700_for_the_bot_only():
    """Docker copies the mode of the image's /data into a new named volume."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "install -d -m 0700 -o scambot /data" in dockerfile
    assert 'VOLUME ["/data"]' in dockerfile and "USER 10001" in dockerfile
