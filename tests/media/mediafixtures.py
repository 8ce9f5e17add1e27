"""What the OCR tests need: Tesseract's language data, and Pillow with raqm and the Noto fonts to draw offers.

Missing, they skip with one line saying what to install, so the README's test command passes on a fresh machine;
CI installs them and sets SCAMBOT_REQUIRE_OCR=1, where a missing piece fails instead (.ci/run)."""

from __future__ import annotations

import os

import offerpictures
import pytest

from bot.media import MediaReader, ocr_installed

INSTALL = ("apt-get install tesseract-ocr-script-arab tesseract-ocr-rus tesseract-ocr-eng tesseract-ocr-fra "
           "tesseract-ocr-osd fonts-noto-core libfribidi0")


def need(reason: str | None) -> None:
    if reason is None:
        return
    if os.environ.get("SCAMBOT_REQUIRE_OCR") == "1":
        pytest.fail(f"{reason}, and SCAMBOT_REQUIRE_OCR=1: {INSTALL}")
    pytest.skip(f"{reason}: {INSTALL}")


@pytest.fixture(scope="session")
def pictures():
    """The drawing module (tests/offerpictures.py), once Pillow, raqm and the fonts are known to be there."""
    need(offerpictures.missing())
    return offerpictures


@pytest.fixture(scope="session")
def reader(pictures):
    """A reader with its worker processes, shared by the tests of a session (workers start once)."""
    need(None if ocr_installed() else "Tesseract's language data (or tesserocr) is not installed")
    media = MediaReader(workers=1)
    yield media
    media.close()
