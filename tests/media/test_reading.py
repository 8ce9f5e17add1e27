"""Reading files within limits: each kind of bad input gets its reason, never an exception of another kind."""

from __future__ import annotations

import io
import time
import zlib

import mediafixtures
import pytest

from bot.media import Limits, MediaReader, Problem, Unreadable, kind_of
from bot.media.read import read_bytes

pictures, reader = mediafixtures.pictures, mediafixtures.reader  # the fixtures (tests/media/mediafixtures.py)
OFFER = "Security job at a military base in Russia, salary 2500 dollars, free ticket, write on WhatsApp only"


def png(size=(40, 40), colour="white") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_kind_is_judged_by_the_bytes_not_the_name():
    assert kind_of(b"\x89PNG\r\n\x1a\n....") == "png"
    assert kind_of(b"\xff\xd8\xff\xe0....") == "jpeg"
    assert kind_of(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert kind_of(b"junk\n%PDF-1.7\n") == "pdf"
    assert kind_of(b"PK\x03\x04 a zip named offer.pdf") is None
    assert kind_of(b"") is None


@pytest.mark.parametrize(("data", "problem"), [
    (b"", Problem.EMPTY),
    (b"PK\x03\x04 a zip file whose name says invitation.pdf", Problem.UNSUPPORTED),
    (b"%PDF-1.4\n this is not a PDF at all", Problem.CORRUPT),
    (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 cut off", Problem.CORRUPT),
])
def test_bad_files_get_their_reason_without_ocr(data, problem):
    with pytest.raises(Unreadable) as caught:
        read_bytes(data, Limits(), None)
    assert caught.value.problem is problem


def test_over_the_byte_limit_is_refused_before_reading():
    with pytest.raises(Unreadable) as caught:
        read_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2000), Limits(max_bytes=1000), None)
    assert caught.value.problem is Problem.TOO_LARGE


def test_a_pixel_bomb_is_refused_before_it_is_decoded(pictures):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 megapixels in about 50 KB
    data = buffer.getvalue()
    assert len(data) < 2_000_000
    started = time.monotonic()
    with pytest.raises(Unreadable) as caught:
        read_bytes(data, Limits(), None)
    assert caught.value.problem is Problem.TOO_LARGE
    assert time.monotonic() - started < 2


def test_a_picture_without_ocr_installed_says_so():
    with pytest.raises(Unreadable) as caught:
        read_bytes(png(), Limits(), None)
    assert caught.value.problem is Problem.UNAVAILABLE


def test_a_blank_picture_has_no_text(reader):
    with pytest.raises(Unreadable) as caught:
        reader.read(png((1080, 1920)))
    assert caught.value.problem is Problem.NO_TEXT


def test_a_screenshot_is_read(reader, pictures):
    reading = reader.read(pictures.screenshot(OFFER))
    assert reading.source == "ocr" and reading.kind == "png" and reading.scripts == ("Latin",)
    assert "military base" in reading.text and "2500" in reading.text


def test_a_pdf_text_layer_is_taken_as_it_is(reader, pictures):
    reading = reader.read(pictures.text_pdf(OFFER))
    assert reading.source == "pdf-text" and reading.kind == "pdf"
    assert " ".join(reading.text.split()) == OFFER


def test_only_the_first_pages_of_a_long_pdf_are_read(pictures):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pictures.text_pdf(OFFER))
    for _ in range(499):
        document.new_page(595, 842)
    buffer = io.BytesIO()
    document.save(buffer)
    reading = read_bytes(buffer.getvalue(), Limits(max_pages=3), None)
    assert (reading.pages, reading.total_pages, reading.cut) == (3, 500, ("pages",))
    assert " ".join(reading.text.split()) == OFFER  # blank pages add nothing


def test_a_pdf_that_decompresses_to_gigabytes_stays_within_time_and_memory(pictures):
    # One page whose content stream inflates to 2 GiB of spaces (2 MB compressed).
    # After a full flush the compressor starts afresh, so one compressed MiB can be repeated as is.
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    first = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    stream = first + again * 2047 + compressor.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    pdf = io.BytesIO()
    pdf.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(pdf.tell())
        pdf.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = pdf.tell()
    pdf.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        pdf.write(b"%010d 00000 n \n" % offset)
    pdf.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    assert zlib.decompressobj().decompress(stream[:len(first) + 3 * len(again)]) == b" " * (4 << 20)
    media = MediaReader(Limits(seconds=8), workers=1)
    started = time.monotonic()
    try:
        with pytest.raises(Unreadable) as caught:
            media.read(pdf.getvalue())
        elapsed = time.monotonic() - started
        after = media.read(pictures.text_pdf(OFFER))  # the reader goes on serving the next person
    finally:
        media.close()
    # pdfium runs out of the worker's address space and the worker dies; the file is called unreadable.
    assert caught.value.problem in (Problem.CORRUPT, Problem.TOO_LARGE, Problem.TIMEOUT, Problem.NO_TEXT)
    assert elapsed < 20
    assert after.source == "pdf-text"
