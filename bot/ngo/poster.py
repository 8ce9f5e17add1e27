"""Printable posters: the bot's name, a QR code of a reach link, the link written out, a call to action and
a few warning signs, in one language, as a PDF (A4 or A5) or a PNG for social media.

What a poster says is content: `poster_title`, `poster_call` and `poster_signs` (sign ids) in
`faq/strings/<lang>.yaml`, the sign titles from `faq/signs.yaml`. This module only lays it out.

Arabic and Sorani must be shaped (letters joined, in their contextual forms) and set right to left, or the
poster is unreadable to the very people it is for: fpdf2 shapes with HarfBuzz (uharfbuzz) and applies the
Unicode bidirectional algorithm. The text stays text in the PDF (searchable, sharp at any size); the QR
code is drawn as vector squares, so it prints sharply too. PNG pages are rendered from that PDF by pdfium,
already used to read offers sent as PDFs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.lang import get as get_language

Size = Literal["a4", "a5"]
SIZES: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "a5": (148.0, 210.0)}  # millimetres
PNG_DPI = 150  # A4 at 150 dpi is 1240 px wide: sharp on a phone, small enough to post
FONT_DIRS = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/noto", "/usr/local/share/fonts/noto",
             "/usr/share/fonts/google-noto", "/Library/Fonts", str(Path.home() / ".fonts"))
# Noto covers Arabic with the Sorani letters (ڕ ڵ ێ ۆ ە), Latin and Cyrillic, regular and bold.
FONT_FILES = {"arabic": ("NotoSansArabic-Regular.ttf", "NotoSansArabic-Bold.ttf"),
              "latin": ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf")}
INSTALL_HINT = ("install the Noto fonts (Debian/Ubuntu: apt-get install fonts-noto-core) or give --font-dir "
                "with NotoSans-Regular.ttf, NotoSans-Bold.ttf, NotoSansArabic-Regular.ttf, NotoSansArabic-Bold.ttf")


class PosterError(Exception):
    """The poster cannot be made (fonts missing, an unknown sign id): the message says what to do."""


@dataclass(frozen=True)
class PosterText:
    """Everything a poster says, in reading order."""

    lang: str
    rtl: bool
    title: str
    bot_name: str  # "@ScamCheckBot"
    link: str
    call: str
    signs_heading: str
    signs: tuple[str, ...]


def _plain(text: str) -> str:
    """A string without its Telegram HTML (strings may carry <b>): a poster has its own typography."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def poster_text(strings: dict[str, str], sign_title: Any, lang: str, bot_username: str, link: str,
                sign_ids: list[str] | None = None) -> PosterText:
    """The words of a poster: `strings` is the language's faq/strings, `sign_title(id, lang)` a sign's title.

    `sign_ids` overrides the language's `poster_signs`; an id the catalogue does not know is an error rather
    than a poster that prints the bare id."""
    ids = sign_ids if sign_ids else strings["poster_signs"].split()
    titles = []
    for sign_id in ids:
        title = sign_title(sign_id, lang)
        if title == sign_id:  # the catalogue's answer for an id it does not know
            raise PosterError(f"unknown warning sign {sign_id!r} (see faq/signs.yaml)")
        titles.append(title)
    return PosterText(lang=lang, rtl=get_language(lang).direction == "rtl", title=_plain(strings["poster_title"]),
                      bot_name="@" + bot_username.strip().removeprefix("@"), link=link,
                      call=_plain(strings["poster_call"]), signs_heading=_plain(strings["signs_heading"]),
                      signs=tuple(titles))


def find_fonts(font_dir: Path | None = None) -> dict[str, tuple[Path, Path]]:
    """{"arabic": (regular, bold), "latin": (regular, bold)} from `font_dir` or the usual places."""
    folders = [font_dir] if font_dir else [Path(p) for p in FONT_DIRS]
    found: dict[str, tuple[Path, Path]] = {}
    for script, (regular, bold) in FONT_FILES.items():
        for folder in folders:
            if (folder / regular).is_file() and (folder / bold).is_file():
                found[script] = (folder / regular, folder / bold)
                break
    if len(found) < len(FONT_FILES):
        where = str(font_dir) if font_dir else "the usual font folders"
        raise PosterError(f"fonts not found in {where}: {INSTALL_HINT}")
    return found


def qr_modules(link: str) -> list[list[bool]]:
    """The QR code's dark modules, quiet border included. High error correction: posters get torn and
    written on, and 30% of the code may be lost."""
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_H, border=4)
    code.add_data(link)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def render_pdf(text: PosterText, fonts: dict[str, tuple[Path, Path]], size: Size = "a4") -> bytes:
    """The poster as a one-page PDF: at full size if the words fit, else a little smaller (a longer
    translation, a long link), and an error rather than a cut when even the smallest does not fit."""
    for shrink in (1.0, 0.93, 0.86, 0.8):
        pdf = _layout(text, fonts, size, shrink)
        if pdf is not None:
            return pdf
    raise PosterError(f"the {text.lang} poster text does not fit on {size.upper()}; shorten the poster_* strings")


def _layout(text: PosterText, fonts: dict[str, tuple[Path, Path]], size: Size, shrink: float) -> bytes | None:
    from fpdf import FPDF

    width, height = SIZES[size]
    scale = width / SIZES["a4"][0] * shrink  # type sizes follow the page, so A5 is A4 made smaller
    margin = 15 * width / SIZES["a4"][0]
    pdf = FPDF(unit="mm", format=(width, height))
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(False)
    pdf.set_title(text.title)
    pdf.set_lang(text.lang)
    pdf.add_page()
    body = "arabic" if text.rtl else "latin"
    for script, (regular, bold) in fonts.items():
        pdf.add_font(script, "", str(regular))
        pdf.add_font(script, "B", str(bold))
    pdf.set_fallback_fonts(["latin"])  # the bullet and digits where the Arabic font has none
    pdf.set_text_shaping(use_shaping_engine=True)
    align = "R" if text.rtl else "L"

    def write(line: str, font: str, style: str, points: float, how: str, gap: float = 0.0) -> None:
        # The paragraph direction is given, not guessed from the first strong letter.
        rtl = text.rtl and font == body
        pdf.set_text_shaping(use_shaping_engine=True, direction="rtl" if rtl else "ltr")
        pdf.set_font(font, style, points * scale)
        pdf.multi_cell(0, points * scale * 0.50, line, align=how, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap * scale)

    write(text.title, body, "B", 30, "C", gap=6)
    modules = qr_modules(text.link)
    side = 118 * scale
    _draw_qr(pdf, modules, (width - side) / 2, pdf.get_y(), side)
    pdf.set_y(pdf.get_y() + side + 3 * scale)
    write(text.bot_name, "latin", "B", 24, "C", gap=1)
    write(text.link, "latin", "", 13, "C", gap=6)
    write(text.call, body, "", 20, "C", gap=9)
    write(text.signs_heading, body, "B", 20, align, gap=3)
    for sign in text.signs:
        write(f"• {sign}", body, "", 18, align, gap=2)  # in a right-to-left line the bullet is at the right
    if pdf.get_y() > height - margin / 2:
        return None
    return bytes(pdf.output())


def _draw_qr(pdf: Any, modules: list[list[bool]], x: float, y: float, side: float) -> None:
    """Dark modules as filled rectangles, one per horizontal run (fewer shapes, no seams between modules)."""
    cell = side / len(modules)
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(modules):
        start = None
        for column, dark in enumerate([*cells, False]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(x + start * cell, y + row * cell, (column - start) * cell, cell, style="F")
                start = None


def render_png(pdf_bytes: bytes, dpi: int = PNG_DPI) -> bytes:
    """The PDF's page as a PNG, for social media."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf_bytes)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()
    finally:
        document.close()


def make_poster(text: PosterText, fonts: dict[str, tuple[Path, Path]], kind: Literal["pdf", "png"],
                size: Size = "a4") -> bytes:
    pdf = render_pdf(text, fonts, size)
    return pdf if kind == "pdf" else render_png(pdf)


__all__ = ["SIZES", "PosterError", "PosterText", "find_fonts", "make_poster", "poster_text", "qr_modules",
           "render_pdf", "render_png"]
