"""Offers that arrive as pictures and PDFs: their text, read within limits (issue 17).

`MediaReader` reads a file's bytes in worker processes and returns a `Reading` (the text, and whether it came
from OCR or from the PDF's text layer) or raises `Unreadable` with a `Problem` the person is told. Nothing
here imports Tesseract, Pillow or pdfium until a file is read: the bot starts as fast without them, and runs
where they are missing (pictures then get a clear reply).
"""

from bot.media.pool import MediaReader, ocr_installed
from bot.media.reading import Limits, Problem, Reading, Unreadable
from bot.media.sniff import kind_of

__all__ = ["Limits", "MediaReader", "Problem", "Reading", "Unreadable", "kind_of", "ocr_installed"]
