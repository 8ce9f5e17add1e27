"""Reading one file's bytes into text, within limits: the work a reader's worker process does.

Every way a file can fail ends in `Unreadable` with a reason the person is told; nothing else escapes. The
type is judged by the bytes (bot.media.sniff), never by the name. The limits (bot.media.reading.Limits) bound
the bytes, a picture's pixels before it is decoded (a small PNG can declare 100,000 x 100,000 pixels), the
pages of a PDF, and the time; the worker process's address space bounds the memory (bot.media.pool).
"""

from __future__ import annotations

import io
import time
import warnings
from typing import Any

from bot.media.ocr import MIN_LETTERS, Tesseract, letters
from bot.media.reading import Limits, Problem, Reading, Unreadable
from bot.media.sniff import kind_of

PDF_TEXT_MIN_LETTERS = 20  # a page with fewer letters in its text layer is a scan: its pixels are read instead
PIL_FORMAT = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}


def read_bytes(data: bytes, limits: Limits, ocr: Tesseract | None) -> Reading:
    """The text in a PNG, JPEG, WebP or PDF. `ocr` None: pictures and scanned pages cannot be read here."""
    started = time.monotonic()
    deadline = started + limits.seconds
    if not data:
        raise Unreadable(Problem.EMPTY, "the file is empty")
    if len(data) > limits.max_bytes:
        raise Unreadable.too_large(len(data), limits)
    kind = kind_of(data)
    if kind is None:
        raise Unreadable(Problem.UNSUPPORTED, "not a PNG, JPEG, WebP or PDF file")
    if kind == "pdf":
        reading = _read_pdf(data, limits, ocr, deadline)
    else:
        image = open_image(data, kind, limits)  # first: a damaged file is said to be damaged, OCR or not
        if ocr is None:
            raise Unreadable(Problem.UNAVAILABLE, "Tesseract or its language data is not installed")
        text, script = ocr.read(image, deadline)
        reading = Reading(text, "ocr", kind, scripts=(script,) if script and text else ())
    if letters(reading.text) < MIN_LETTERS:
        raise Unreadable(Problem.NO_TEXT, "no text found")
    return Reading(reading.text, reading.source, reading.kind, reading.pages, reading.total_pages, reading.cut,
                   reading.scripts, round(time.monotonic() - started, 3))


def open_image(data: bytes, kind: str, limits: Limits) -> Any:
    """The decoded picture; its declared size is checked before any pixel is decoded."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMAT[kind]])
            width, height = image.size
            if width * height > limits.max_pixels:
                raise Unreadable(Problem.TOO_LARGE, f"{width}x{height} pixels, over the {limits.max_pixels:,} limit")
            image.load()
    except Unreadable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise Unreadable(Problem.TOO_LARGE, "too many pixels") from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:  # Pillow's ways of saying "damaged"
        raise Unreadable(Problem.CORRUPT, f"the {kind.upper()} file is damaged ({type(error).__name__})") from error
    return image


def _read_pdf(data: bytes, limits: Limits, ocr: Tesseract | None, deadline: float) -> Reading:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        # pdfium says "Incorrect password" for an encrypted file and "Data format error" for a damaged one.
        raise Unreadable(Problem.CORRUPT, f"the PDF cannot be opened ({error})") from error
    try:
        total = len(document)
        if total == 0:
            raise Unreadable(Problem.CORRUPT, "the PDF has no pages")
        texts: list[str] = []
        sources: set[str] = set()
        scripts: list[str] = []
        cut: list[str] = ["pages"] if total > limits.max_pages else []
        read = 0
        for index in range(min(total, limits.max_pages)):
            if time.monotonic() >= deadline:
                cut.append("time")
                break
            read += 1  # pages looked at, whether or not they gave text
            try:
                text, source, script = _read_page(document[index], limits, ocr, deadline)
            except Unreadable as error:
                if error.problem is Problem.CORRUPT:
                    continue  # a damaged page: the others may still be read
                if error.problem is Problem.UNAVAILABLE and texts:
                    continue  # a scanned page among text pages, and no OCR here: the text pages still count
                if error.problem is Problem.TIMEOUT and texts:
                    read -= 1
                    cut.append("time")
                    break
                raise
            if text.strip():
                texts.append(text.strip())
                sources.add(source)
                if script and script not in scripts:
                    scripts.append(script)
        source = "ocr" if "ocr" in sources else "pdf-text"
        return Reading("\n\n".join(texts), source, "pdf", read, total, tuple(cut), tuple(scripts))
    finally:
        document.close()


def clean_pdf_text(text: str) -> str:
    """pdfium's text as a person would paste it: no-break spaces as spaces, lines ended by \n."""
    return "\n".join(" ".join(line.replace("\xa0", " ").split()) for line in text.splitlines())


def _read_page(page: Any, limits: Limits, ocr: Tesseract | None, deadline: float) -> tuple[str, str, str | None]:
    """(text, source, script) of one page: its text layer if it has one, else its pixels through OCR."""
    import pypdfium2

    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
        if letters(text) >= PDF_TEXT_MIN_LETTERS:
            return clean_pdf_text(text), "pdf-text", None
        if ocr is None:
            raise Unreadable(Problem.UNAVAILABLE, "a scanned page, and Tesseract is not installed")
        width, height = page.get_size()  # points: 1/72 inch
        scale = limits.render_dpi / 72
        pixels = width * height * scale * scale
        if pixels > limits.max_render_pixels:
            scale *= (limits.max_render_pixels / pixels) ** 0.5
        image = page.render(scale=scale, grayscale=True).to_pil()
    except pypdfium2.PdfiumError as error:
        raise Unreadable(Problem.CORRUPT, f"a damaged page ({error})") from error
    finally:
        page.close()
    text, script = ocr.read(image, deadline)
    return text, "ocr", script
