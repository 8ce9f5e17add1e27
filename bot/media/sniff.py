"""A file's type from its first bytes: a name or a MIME type says what the sender claims, not what the file is."""

from __future__ import annotations

KINDS = ("png", "jpeg", "webp", "pdf")


def kind_of(data: bytes) -> str | None:
    """"png", "jpeg", "webp", "pdf", or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    # PDF readers accept the header anywhere in the first kilobyte (some generators put junk before it).
    if b"%PDF-" in data[:1024]:
        return "pdf"
    return None
