"""Posters (scambot poster): rendered, then read back as a phone and a reader would.

The QR code on the rendered page must decode to the link written under it; the bot's name, the link and the
title must be in the page's text; Arabic and Sorani must run right to left (the first letter of a line to
the right of its last, the bullet where the line starts). With Tesseract's Arabic data, the Arabic page is
read by OCR too: unshaped letters (each in its isolated form) would not read back as the title's words.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli.core import main
from bot.content.load import load_content
from bot.models import LANGUAGES
from bot.ngo.poster import INSTALL_HINT, PosterError, find_fonts

FAQ = Path(__file__).resolve().parents[2] / "faq"
BOT = "ScamCheckBot"


def _fonts_here() -> bool:
    try:
        find_fonts()
        return True
    except PosterError:
        return False


@pytest.fixture(scope="module", autouse=True)
def _need_fonts():
    if _fonts_here():
        return
    if os.environ.get("SCAMBOT_REQUIRE_OCR") == "1":  # CI installs fonts-noto-core with the OCR packages
        pytest.fail(f"fonts missing, and SCAMBOT_REQUIRE_OCR=1: {INSTALL_HINT}")
    pytest.skip(INSTALL_HINT)


@pytest.fixture()
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("SCAMBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)

    def invoke(*args: str):
        return CliRunner().invoke(main, ["poster", *args], catch_exceptions=False)

    return invoke


def _page(path: Path):
    import pypdfium2

    if path.suffix == ".png":
        from PIL import Image

        return None, Image.open(io.BytesIO(path.read_bytes())).convert("L")
    document = pypdfium2.PdfDocument(path.read_bytes())
    page = document[0]
    return page.get_textpage(), page.render(scale=150 / 72).to_pil().convert("L")


def _qr_text(image) -> list[str]:
    import zxingcpp

    return [found.text for found in zxingcpp.read_barcodes(image) if found.format == zxingcpp.BarcodeFormat.QRCode]


def _bare(text: str) -> str:
    """Letters only, marks dropped, lam-alef and alef-lam alike: text extraction from a PDF splits harakat
    and shadda from their letters and gives the lam-alef ligature back as alef-lam (علامات as عالمات),
    although the page shows them right."""
    letters = "".join(ch for ch in unicodedata.normalize("NFKC", text)
                      if ch.isalnum() and unicodedata.category(ch) != "Mn")
    return letters.replace("لا", "§").replace("ال", "§")


def _mostly_there(phrase: str, text: str) -> bool:
    """At least 80% of the words of `phrase` (of three letters or more) are in `text`."""
    words = [w for w in (_bare(w) for w in phrase.split()) if len(w) > 2]
    found = " ".join(_bare(w) for w in text.split())  # word by word: no ligature across a space
    return sum(word in found for word in words) >= 0.8 * len(words)


STRINGS = load_content(FAQ).strings


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_poster_reads_back_its_link_name_and_words(run, tmp_path, lang):
    out = tmp_path / f"{lang}.pdf"
    result = run("--lang", lang, "--bot", BOT, "--source", "basra_uni", "--output", str(out))
    assert result.exit_code == 0, result.output
    link = f"https://t.me/{BOT}?start=lang-{lang}-src-basra_uni"
    assert link in result.output
    text_page, image = _page(out)
    assert _qr_text(image) == [link]
    text = text_page.get_text_range()
    flat = re.sub(r"\s+", "", text)  # a long link may wrap
    assert f"@{BOT}" in flat and link in flat
    for key in ("poster_title", "poster_call", "signs_heading"):
        assert _mostly_there(re.sub(r"<[^>]+>", "", STRINGS[lang][key]), text), (key, text)


@pytest.mark.parametrize("lang", [code for code in LANGUAGES if code in ("ar", "ckb")])
def test_arabic_and_sorani_run_right_to_left_with_the_bullet_at_the_start(run, tmp_path, lang):
    out = tmp_path / f"{lang}.pdf"
    assert run("--lang", lang, "--bot", BOT, "--output", str(out)).exit_code == 0
    text_page, _ = _page(out)
    text = text_page.get_text_range()
    sign_lines, start = [], 0
    for line in text.split("\r\n"):
        if line.startswith("•"):  # reading order: the bullet first
            sign_lines.append([start + i for i, ch in enumerate(line) if not ch.isspace()])
        start += len(line) + 2
    assert len(sign_lines) >= 3
    for chars in sign_lines:
        left = [text_page.get_charbox(i)[0] for i in chars]
        assert left[0] == max(left)  # the bullet is the rightmost
        assert left[1] > left[-1]  # the first letter right of the last: right to left


def test_the_arabic_poster_is_shaped_so_that_ocr_reads_the_title(run, tmp_path):
    from bot.media.ocr import find_tessdata

    tessdata = find_tessdata()
    if tessdata is None or not (tessdata / "ara.traineddata").is_file():
        if os.environ.get("SCAMBOT_REQUIRE_OCR") == "1":
            pytest.fail("Tesseract's Arabic data is missing, and SCAMBOT_REQUIRE_OCR=1")
        pytest.skip("Tesseract's Arabic data is missing: apt-get install tesseract-ocr-ara")
    import tesserocr
    from rapidfuzz import fuzz

    out = tmp_path / "ar.png"
    assert run("--lang", "ar", "--bot", BOT, "--output", str(out)).exit_code == 0
    _, image = _page(out)
    assert image.width == 1241  # A4 at 150 dpi
    top = image.crop((0, 0, image.width, image.height // 6))
    with tesserocr.PyTessBaseAPI(path=str(tessdata), lang="ara") as api:
        api.SetImage(top)
        read = api.GetUTF8Text()
    title = STRINGS["ar"]["poster_title"]
    assert fuzz.partial_ratio(_bare(title), _bare(read)) >= 75, read


def test_a5_and_png_posters_still_scan(run, tmp_path):
    out = tmp_path / "post.png"
    assert run("--lang", "ckb", "--bot", BOT, "--size", "a5", "--output", str(out)).exit_code == 0
    _, image = _page(out)
    assert abs(image.width / image.height - 148 / 210) < 0.01
    assert _qr_text(image) == [f"https://t.me/{BOT}?start=lang-ckb"]


def test_all_writes_one_poster_per_language(run, tmp_path):
    result = run("--lang", "all", "--bot", BOT, "--output", str(tmp_path / "p.pdf"))
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("p-*.pdf")) == sorted(f"p-{code}.pdf" for code in LANGUAGES)


@pytest.mark.parametrize("args, message", [
    (("--sign", "no-such-sign"), "unknown warning sign 'no-such-sign'"),
    (("--output", "poster.docx"), "must end in .pdf or .png"),
    (("--source", "basra uni"), "invalid source"),
])
def test_bad_requests_are_errors_that_say_what_to_do(run, tmp_path, args, message):
    base = {"--output": str(tmp_path / "p.pdf")}
    given = dict(zip(args[::2], args[1::2], strict=True))
    merged = [item for key, value in {**base, **given}.items() for item in (key, value)]
    result = run("--lang", "en", "--bot", BOT, *merged)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "p.pdf").exists()


def test_missing_fonts_name_the_package_to_install(run, tmp_path):
    empty = tmp_path / "fonts"
    empty.mkdir()
    result = run("--lang", "ar", "--bot", BOT, "--font-dir", str(empty), "--output", str(tmp_path / "p.pdf"))
    assert result.exit_code == 2 and "fonts-noto-core" in result.output


def test_every_language_names_known_signs_and_its_poster_fits_the_page():
    from bot.ngo.poster import poster_text, render_pdf
    from bot.offers import SignCatalogue

    catalogue = SignCatalogue.load(FAQ / "signs.yaml")
    fonts = find_fonts()
    for lang in LANGUAGES:
        text = poster_text(STRINGS[lang], catalogue.title, lang, BOT, f"https://t.me/{BOT}?start=lang-{lang}")
        assert len(text.signs) == 3 and all(s not in catalogue.ids for s in text.signs)  # titles, not ids
        for size in ("a4", "a5"):
            render_pdf(text, fonts, size)  # raises PosterError when the text runs off the page
