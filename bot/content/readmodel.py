"""The compiled read model: `faq/` (the source of truth) compiled into SQLite with sqlite-utils.

The engine reads only this database. It is rebuilt by itself whenever a content file (or the deployer's
contacts override) changes, detected by a hash of their bytes, so there is no build step to forget.
Normalised forms of every example are computed once here, not at each start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import asdict
from pathlib import Path

import sqlite_utils

from bot.content.load import Contact, Content, ContentError, Topic, TopicLanguage, content_files, load_content
from bot.content.validate import check_content
from bot.text.arabizi import skeleton
from bot.text.normalize import normalize

log = logging.getLogger(__name__)

# Bump when the tables or the normalisation change, so old databases are rebuilt.
COMPILER_VERSION = "3"
DB_NAME = "content.db"


def content_hash(faq_dir: Path, contacts_override: Path | None) -> str:
    digest = hashlib.sha256(COMPILER_VERSION.encode())
    files = content_files(faq_dir) + ([contacts_override] if contacts_override else [])
    for path in files:
        digest.update(str(path.relative_to(faq_dir) if path.is_relative_to(faq_dir) else path).encode())
        digest.update(b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
        digest.update(b"\0")
    return digest.hexdigest()


def open_read_model(faq_dir: Path, data_dir: Path | None, contacts_override: Path | None) -> sqlite_utils.Database:
    """The compiled database, rebuilt first if `faq/` changed. Raises ContentError on fatal problems.

    Falls back to an in-memory database when the data directory cannot be written (read-only disk):
    the bot must keep answering.
    """
    wanted = content_hash(faq_dir, contacts_override)
    path = data_dir / DB_NAME if data_dir is not None else None
    if path is not None and path.is_file():
        try:
            db = sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False))
            if _meta(db, "content_hash") == wanted:
                return db
            db.close()
        except sqlite3.Error:
            log.warning("content database unreadable; rebuilding it")
    content = _load_valid(faq_dir, contacts_override)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, content, wanted)
            return sqlite_utils.Database(sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False))
        except (OSError, sqlite3.Error) as error:
            # A full disk reaches us from SQLite as OperationalError, not OSError: serve from memory either way.
            log.warning("cannot write %s (%s); compiling content in memory", path,
                        getattr(error, "strerror", None) or error)
    db = sqlite_utils.Database(memory=True)
    _compile(db, content, wanted)
    return db


def _load_valid(faq_dir: Path, contacts_override: Path | None) -> Content:
    content = load_content(faq_dir, contacts_override)
    problems = content.problems + check_content(content, faq_dir)
    fatal = [p for p in problems if p.fatal]
    if fatal:
        raise ContentError(fatal)
    if problems:
        log.warning("faq/ has %d non-fatal problems; run `scambot faq check`", len(problems))
    return content


def _write_atomically(path: Path, content: Content, wanted: str) -> None:
    """Compile beside the target and rename, so a reader never sees half a database."""
    handle, tmp_name = tempfile.mkstemp(prefix=".content-", suffix=".db", dir=path.parent)
    os.close(handle)
    try:
        db = sqlite_utils.Database(tmp_name)
        _compile(db, content, wanted)
        db.close()
        os.replace(tmp_name, path)
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _compile(db: sqlite_utils.Database, content: Content, wanted: str) -> None:
    with db.conn:
        db.table("topics").insert_all(
            (
                {
                    "id": t.id, "file": t.file, "urgent": int(t.urgent), "signs": list(t.signs),
                    "related": list(t.related), "contacts": list(t.contacts), "sources": list(t.sources),
                }
                for t in content.topics.values()
            ),
            pk="id",
        )
        db.table("answers").insert_all(
            (
                {"topic": t.id, "lang": lang, "title": e.title, "answer": e.answer, "keywords": list(e.keywords)}
                for t in content.topics.values()
                for lang, e in t.langs.items()
            ),
            pk=("topic", "lang"),
        )
        db.table("examples").insert_all(
            (
                {"topic": t.id, "lang": lang, "kind": kind, "text": text, "norm": normalize(text),
                 "skeleton": skeleton(text) if lang == "ar" else ""}
                for t in content.topics.values()
                for lang, e in t.langs.items()
                for kind, texts in (("example", e.examples), ("keyword", e.keywords))
                for text in texts
            ),
        )
        db.table("examples").create_index(["lang"])
        db.table("strings").insert_all(
            ({"lang": lang, "key": key, "text": text} for lang, table in content.strings.items()
             for key, text in table.items()),
            pk=("lang", "key"),
        )
        db.table("contacts").insert_all(
            ({"id": c.id, "data": json.dumps(asdict(c), ensure_ascii=False)} for c in content.contacts.values()),
            pk="id",
        )
        db.table("sources").insert_all(
            ({"id": sid, "data": json.dumps(s, ensure_ascii=False)} for sid, s in content.sources.items()), pk="id"
        )
        db.table("meta").insert_all(
            [{"key": "content_hash", "value": wanted}, {"key": "compiler_version", "value": COMPILER_VERSION}],
            pk="key",
        )
    # Inline search ("@bot scholarship") looks titles and examples up by word.
    db.table("examples").enable_fts(["norm"], create_triggers=False)


def _meta(db: sqlite_utils.Database, key: str) -> str | None:
    if "meta" not in db.table_names():
        return None
    rows = list(db.query("select value from meta where key = ?", [key]))
    return rows[0]["value"] if rows else None


def content_from_db(db: sqlite_utils.Database) -> Content:
    """Rebuild the typed content from the read model (what the engine serves)."""
    langs: dict[str, dict[str, TopicLanguage]] = {}
    examples: dict[tuple[str, str], list[str]] = {}
    for row in db.query("select topic, lang, text from examples where kind = 'example' order by rowid"):
        examples.setdefault((row["topic"], row["lang"]), []).append(row["text"])
    for row in db.query("select * from answers"):
        langs.setdefault(row["topic"], {})[row["lang"]] = TopicLanguage(
            title=row["title"], answer=row["answer"],
            examples=tuple(examples.get((row["topic"], row["lang"]), ())),
            keywords=tuple(json.loads(row["keywords"])),
        )
    topics = {
        row["id"]: Topic(
            id=row["id"], file=row["file"], langs=langs.get(row["id"], {}), urgent=bool(row["urgent"]),
            signs=tuple(json.loads(row["signs"])), related=tuple(json.loads(row["related"])),
            contacts=tuple(json.loads(row["contacts"])), sources=tuple(json.loads(row["sources"])),
        )
        for row in db.query("select * from topics order by id")
    }
    contacts = {}
    for row in db.query("select data from contacts"):
        data = json.loads(row["data"])
        data["countries"] = tuple(data["countries"])
        contacts[data["id"]] = Contact(**data)
    strings: dict[str, dict[str, str]] = {}
    for row in db.query("select lang, key, text from strings"):
        strings.setdefault(row["lang"], {})[row["key"]] = row["text"]
    sources = {row["id"]: json.loads(row["data"]) for row in db.query("select id, data from sources")}
    return Content(topics=topics, contacts=contacts, strings=strings, sources=sources)


def example_rows(db: sqlite_utils.Database) -> list[dict]:
    """Every example and keyword with its precomputed normal form and skeleton (the matcher's input)."""
    return list(db.query("select topic, lang, kind, text, norm, skeleton from examples order by rowid"))
