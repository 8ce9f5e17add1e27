"""Reach links: t.me deep links that tell the bot where a user came from and which language to greet in.

An NGO prints a link (or its QR code) on a poster, a leaflet or a post; whoever opens it starts the bot
with a payload such as "lang-ar-src-basra_uni". The source is only ever counted (statistics per source),
so NGOs learn which outreach works without learning who came.

Telegram allows 1-64 characters A-Z a-z 0-9 _ - in a start payload; anything else is rejected here,
because Telegram would silently drop it and the NGO would count nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.models import LANGUAGES

MAX_PAYLOAD = 64  # Telegram's limit for the start parameter
SOURCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,50}")
_CODES = "|".join(sorted(LANGUAGES, key=len, reverse=True))  # "ckb" before shorter codes
_PAYLOAD = re.compile(rf"(?:lang-(?P<lang>{_CODES}))?(?:(?(lang)-)src-(?P<src>[A-Za-z0-9_-]{{1,50}}))?")
_BOT_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,31}")


def parse_start_payload(payload: str | None) -> tuple[str | None, str | None]:
    """(source, lang) from a /start payload; (None, None) for an empty or malformed one.

    Formats: "lang-<code>", "src-<NAME>", "lang-<code>-src-<NAME>". Malformed payloads give nothing
    rather than a guess: a typo must not invent a source.
    """
    if not payload or len(payload) > MAX_PAYLOAD:
        return None, None
    found = _PAYLOAD.fullmatch(payload)
    if not found or not (found["lang"] or found["src"]):
        return None, None
    return found["src"], found["lang"]


def validate_source(source: str) -> str:
    if not SOURCE_PATTERN.fullmatch(source):
        raise ValueError(
            f"invalid source {source!r}: use 1-50 letters, digits, '-' or '_' (no spaces or other characters)"
        )
    return source


def validate_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"invalid language {lang!r}: use one of {', '.join(LANGUAGES)}")
    return lang


def start_payload(source: str | None, lang: str | None) -> str:
    """The payload for `source` and `lang` ("" when both are None); ValueError when either is invalid."""
    parts = []
    if lang is not None:
        parts.append("lang-" + validate_lang(lang))
    if source is not None:
        parts.append("src-" + validate_source(source))
    payload = "-".join(parts)
    if len(payload) > MAX_PAYLOAD:  # cannot happen with the limits above; kept as the real constraint
        raise ValueError(f"the link payload {payload!r} is longer than Telegram's {MAX_PAYLOAD} characters")
    return payload


def deep_link(bot_username: str, source: str | None = None, lang: str | None = None) -> str:
    """https://t.me/<bot>?start=<payload> (no ?start when there is nothing to pass)."""
    username = bot_username.strip().removeprefix("@")
    if not _BOT_USERNAME.fullmatch(username):
        raise ValueError(f"invalid bot username {bot_username!r}")
    payload = start_payload(source, lang)
    return f"https://t.me/{username}" + (f"?start={payload}" if payload else "")


def write_qr(url: str, path: Path, box_size: int = 20, border: int = 4) -> tuple[int, int]:
    """Write a QR code PNG for `url`; return its (width, height) in pixels.

    High error correction (30% of the code can be damaged: posters get torn, folded, written on) and a
    quiet border of 4 modules, the minimum scanners need. 20 px per module prints sharply at poster size.
    The pure-Python PNG writer is used, so no imaging library is needed.
    """
    import qrcode
    from qrcode.image.pure import PyPNGImage

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, box_size=box_size, border=border)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(image_factory=PyPNGImage)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        image.save(handle)
    side = (code.modules_count + 2 * border) * box_size
    return side, side
