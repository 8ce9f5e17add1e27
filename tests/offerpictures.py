"""Offers drawn into pictures and PDFs at test time (Pillow with raqm shaping, pdfium), for the OCR tests and
benchmarks/bench_ocr.py: a phone screenshot, a slightly rotated and blurred photo of a printed page, a one-page
scanned PDF, and a PDF with a text layer. Arabic and Sorani are shaped and drawn right to left by raqm; the fonts
are Debian's fonts-noto-core (Noto Naskh Arabic, Noto Sans)."""

from __future__ import annotations

import ctypes
import io
import re
import unicodedata
from pathlib import Path

FONT_DIR = Path("/usr/share/fonts/truetype/noto")
ARABIC_FONT = FONT_DIR / "NotoNaskhArabic-Regular.ttf"
LATIN_FONT = FONT_DIR / "NotoSans-Regular.ttf"  # Latin and Cyrillic
VARIANTS = ("screenshot", "photo", "scan-pdf", "text-pdf")


def missing() -> str | None:
    """Why pictures cannot be drawn here, or None."""
    try:
        from PIL import features
    except ImportError:
        return "Pillow is not installed"
    if not features.check("raqm"):
        return "Pillow has no raqm layout (install libfribidi0)"
    if not (ARABIC_FONT.is_file() and LATIN_FONT.is_file()):
        return "the Noto fonts are missing (apt-get install fonts-noto-core)"
    return None


def script_of(text: str) -> str:
    """"Arabic", "Cyrillic" or "Latin": the script most of the letters are in."""
    counts = {"Arabic": 0, "Cyrillic": 0, "Latin": 0}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            for script in counts:
                if name.startswith(script.upper()):
                    counts[script] += 1
    return max(counts, key=counts.__getitem__)


def _rtl(text: str) -> bool:
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _font(text: str, size: int):
    from PIL import ImageFont

    path = ARABIC_FONT if script_of(text) == "Arabic" else LATIN_FONT
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)


def _wrap(draw, text: str, font, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}".strip()
            if not current or draw.textlength(candidate, font=font) <= width:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
    return lines


def draw(text: str, width: int = 1080, size: int = 40, margin: int = 48, background="white", ink="black"):
    """The text as a picture: wrapped, right-aligned and right to left for Arabic script."""
    from PIL import Image, ImageDraw

    font = _font(text, size)
    lines = _wrap(ImageDraw.Draw(Image.new("L", (1, 1))), text, font, width - 2 * margin)
    line_height = int(size * 1.7)
    image = Image.new("RGB", (width, line_height * len(lines) + 2 * margin), background)
    pen = ImageDraw.Draw(image)
    rtl = _rtl(text)
    for i, line in enumerate(lines):
        x = width - margin - pen.textlength(line, font=font) if rtl else margin
        pen.text((x, margin + i * line_height), line, font=font, fill=ink, direction="rtl" if rtl else "ltr")
    return image


def _encoded(image, kind: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, kind, **options)
    return buffer.getvalue()


def screenshot(text: str) -> bytes:
    """A phone screenshot (1080 pixels wide) of a chat bubble with the offer, as PNG."""
    from PIL import ImageDraw

    image = draw(text, background=(225, 240, 220), ink=(20, 20, 20))
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, image.width, 24), fill=(40, 90, 60))  # the app's bar
    return _encoded(image, "PNG")


def photo(text: str, angle: float = 2.0, blur: float = 1.0) -> bytes:
    """A printed page photographed slightly askew and out of focus, as JPEG."""
    from PIL import Image, ImageFilter

    page = draw(text, width=1400, size=42, background=(238, 234, 222), ink=(35, 35, 40))
    turned = page.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC, fillcolor=(120, 110, 100))
    return _encoded(turned.filter(ImageFilter.GaussianBlur(blur)), "JPEG", quality=85)


def scanned_pdf(text: str) -> bytes:
    """A one-page scanned letter: an A4 page of pixels at 200 dpi, no text layer."""
    from PIL import Image

    body = draw(text, width=1500, size=40, background="white", ink=(30, 30, 30))
    page = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    page.paste(body.convert("L").crop((0, 0, min(body.width, 1654), min(body.height, 2200))), (77, 120))
    return _encoded(page, "PDF", resolution=200.0)


def text_pdf(text: str) -> bytes:
    """A one-page PDF whose text layer holds the offer (as a word processor's export would)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    document = pdfium.PdfDocument.new()
    page = document.new_page(595, 842)
    font_data = (ARABIC_FONT if script_of(text) == "Arabic" else LATIN_FONT).read_bytes()
    buffer = (ctypes.c_uint8 * len(font_data)).from_buffer_copy(font_data)
    font = raw.FPDFText_LoadFont(document, buffer, len(font_data), raw.FPDF_FONT_TRUETYPE, True)
    y = 800
    rtl = _rtl(text)
    for line in _plain_lines(text, 80):
        if rtl:  # stored as a word processor does: glyphs in visual order, left to right (pdfium reorders them)
            line = _visual(line)
        obj = raw.FPDFPageObj_CreateTextObj(document, font, 11)
        encoded = (line + "\x00").encode("utf-16-le")
        raw.FPDFText_SetText(obj, ctypes.cast(ctypes.create_string_buffer(encoded), ctypes.POINTER(raw.FPDF_WCHAR)))
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, 40, y)
        raw.FPDFPage_InsertObject(page.raw, obj)
        y -= 16
    raw.FPDFPage_GenerateContent(page.raw)
    out = io.BytesIO()
    document.save(out)
    raw.FPDFFont_Close(font)
    return out.getvalue()


_LTR_RUN = re.compile(r"[0-9A-Za-z٠-٩۰-۹]+(?:[.,:/][0-9A-Za-z٠-٩۰-۹]+)*")


def _visual(line: str) -> str:
    """A right-to-left line in visual order: reversed, with its numbers and Latin words still left to right."""
    parts, last = [], 0
    for run in _LTR_RUN.finditer(line):
        parts.append(line[last:run.start()][::-1])
        parts.append(run.group())
        last = run.end()
    parts.append(line[last:][::-1])
    return "".join(reversed(parts))


def _plain_lines(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            if current and len(current) + 1 + len(word) > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}".strip()
        lines.append(current)
    return lines


MAKERS = {"screenshot": screenshot, "photo": photo, "scan-pdf": scanned_pdf, "text-pdf": text_pdf}


def rating(result) -> tuple[str, frozenset[str]]:
    """What a check says of a text: its risk and the set of signs found."""
    return result.risk, frozenset(sign.id for sign in result.signs)


def agreement(engine, reader, rows: list[dict], variants=VARIANTS, on_row=None) -> dict:
    """For each offer: is the picture (or PDF) of it rated as the pasted text is (same risk, same signs)?

    Returns {"overall": (agreeing, total), "by_script": {script: (agreeing, total)}, "by_variant": {...},
    "misses": [(script, variant, pasted rating, picture rating)], "seconds": {variant: [seconds, ...]}}.
    """
    from bot.media import Unreadable

    totals: dict[str, list[int]] = {}
    by_variant: dict[str, list[int]] = {}
    misses, seconds = [], {variant: [] for variant in variants}
    for row in rows:
        pasted = rating(engine.check(row["text"]))
        script = script_of(row["text"])
        for variant in variants:
            data = MAKERS[variant](row["text"])
            try:
                reading = reader.read(data)
                read = rating(engine.check(reading.text))
                seconds[variant].append(reading.seconds)
            except Unreadable as error:
                read = (f"unreadable: {error.problem.value}", frozenset())
            same = read == pasted
            for key, table in ((script, totals), ("overall", totals), (variant, by_variant)):
                cell = table.setdefault(key, [0, 0])
                cell[0] += same
                cell[1] += 1
            if not same:
                misses.append((script, variant, pasted, read, row["text"]))
            if on_row:
                on_row(script, variant, same)
    overall = tuple(totals.pop("overall", [0, 0]))
    return {"overall": overall, "by_script": {k: tuple(v) for k, v in totals.items()},
            "by_variant": {k: tuple(v) for k, v in by_variant.items()}, "misses": misses, "seconds": seconds}
