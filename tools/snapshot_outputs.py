"""Record, or compare with a record, what the command line prints for every labelled text.

A refactoring that must not change behaviour (issue 12: the packages by concern) is checked with it:

    python3 tools/snapshot_outputs.py --write /tmp/before.jsonl     # before the change
    python3 tools/snapshot_outputs.py --compare /tmp/before.jsonl   # after: exit 0 only if byte-identical

The record holds, per text, a SHA-256 of each output, never the text itself: the real-world texts in
../shared/real-world are other people's words and must not be copied anywhere. `--write` also prints a
digest of the whole record, short enough to quote in a closing note.

What is recorded, through the same entry points NGOs and scripts use (`bot.cli.core.main`):
- `scambot match --jsonl` and `scambot check --jsonl` over every text, one batch each;
- `scambot ask TEXT` for every text (the engine is loaded once and reused: `bot.cli.core.load_engine` cached);
- `scambot eval --json` over the project's labelled sets.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = [ROOT / "tests" / "data", ROOT / "eval", ROOT.parent / "shared" / "real-world"]  # tests/data: before 12


def labelled_texts() -> list[tuple[str, str]]:
    """(id, text) of every labelled text, in a stable order; an id is the set's name and the line number.

    A set's name is its path in its folder, prefixed "real-world/" for ../shared's: the project's sets may
    move between folders (tests/data, eval/) without changing their ids."""
    found: dict[str, Path] = {}
    for folder in SETS:
        if folder.is_dir():
            prefix = "real-world/" if folder.name == "real-world" else ""
            for path in sorted(folder.rglob("*.jsonl")):
                found.setdefault(prefix + str(path.relative_to(folder)), path)
    out = []
    for name in sorted(found):
        with found[name].open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if line.strip():
                    out.append((f"{name}:{number}", json.loads(line)["text"]))
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _invoke(args: list[str], stdin: str = "") -> str:
    from click.testing import CliRunner

    from bot.cli.core import main

    result = CliRunner().invoke(main, args, input=stdin, catch_exceptions=False)
    return f"exit={result.exit_code}\n{result.output}"


def record() -> dict[str, dict[str, str]]:
    import bot.cli.core

    bot.cli.core.load_engine = functools.lru_cache(maxsize=1)(bot.cli.core.load_engine)  # one engine for every `ask`
    texts = labelled_texts()
    batch = "".join(json.dumps({"text": text}, ensure_ascii=False) + "\n" for _, text in texts)
    out: dict[str, dict[str, str]] = {}
    for command in ("match", "check"):
        lines = _invoke([command, "--jsonl"], batch).split("\n")
        status, lines = lines[0], lines[1:]
        out[f"{command} --jsonl"] = {"status": status}
        for (key, _), line in zip(texts, lines, strict=False):
            out[f"{command} --jsonl"][key] = _digest(line)
    out["ask"] = {key: _digest(_invoke(["ask", text])) for key, text in texts}
    out["eval --json"] = {"all": _digest(_invoke(["eval", "--json"]))}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", type=Path, help="record the outputs here")
    group.add_argument("--compare", type=Path, help="compare the outputs with this record")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        os.environ["SCAMBOT_DATA_DIR"] = data  # a fresh data folder: no cache or state of another run
        os.environ.pop("SCAMBOT_CONTACTS_FILE", None)
        now = record()
    whole = _digest(json.dumps(now, sort_keys=True))
    if options.write:
        options.write.write_text(json.dumps(now, sort_keys=True, indent=0) + "\n", encoding="utf-8")
        counts = {command: len(rows) for command, rows in now.items()}
        print(f"recorded {counts} into {options.write}; digest {whole}")
        return 0
    before = json.loads(options.compare.read_text(encoding="utf-8"))
    differ = 0
    for command in sorted(set(before) | set(now)):
        old, new = before.get(command, {}), now.get(command, {})
        # Texts added since the record (a new labelled set) have nothing to compare with: counted, not failed.
        changed = sorted(key for key in old if old[key] != new.get(key))
        added = len(set(new) - set(old))
        differ += len(changed)
        print(f"{command}: {len(old)} recorded, {len(changed)} differ" + (f", {added} new" if added else "")
              + (f" (first: {changed[:5]})" if changed else ""))
    print(f"digest {whole}: " + ("identical" if not differ else f"{differ} outputs differ"))
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main())
