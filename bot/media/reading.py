"""What reading a picture or a PDF gives: the text and how it was got, or the reason it could not be read.

Plain data, shared by the reader (which may run in a worker process: everything here pickles) and the adapters
that say the result to a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

MEGABYTE = 1024 * 1024


class Problem(StrEnum):
    """Why a file gave no text. Each has an interface string `media_<value>` in faq/strings."""

    EMPTY = "empty"  # a file of zero bytes
    TOO_LARGE = "too_large"  # over the byte limit, or a picture of too many pixels
    UNSUPPORTED = "unsupported"  # not a PNG, JPEG, WebP or PDF (judged by its content, not its name)
    CORRUPT = "corrupt"  # says it is one of those and is not (truncated, damaged, encrypted)
    NO_TEXT = "no_text"  # read, and no text found in it (a blank page, a photo of a landscape)
    TIMEOUT = "timeout"  # not read within the time limit
    UNAVAILABLE = "unavailable"  # this installation cannot read pictures (no Tesseract, no language data)
    BUSY = "busy"  # too many files waiting to be read: the person is asked to try again or to paste


class Unreadable(Exception):
    """A file that gives no text, with the reason (`problem`) and a detail for the command line's error."""

    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(detail or problem.value)
        self.problem = problem
        self.detail = detail or problem.value

    @classmethod
    def too_large(cls, size: int, limits: Limits) -> Unreadable:
        return cls(Problem.TOO_LARGE, f"{size / MEGABYTE:.1f} MB, over the {limits.max_bytes // MEGABYTE} MB limit")

    def __reduce__(self):  # pickles across the worker process boundary
        return (Unreadable, (self.problem, self.detail))


@dataclass(frozen=True)
class Limits:
    """How much one file may cost. Telegram's getFile serves files up to 20 MB: the byte limit is the same."""

    max_bytes: int = 20 * MEGABYTE
    max_pages: int = 5  # of a PDF; the rest is not read, and the reply says so
    seconds: float = 30.0  # per file, all pages together; what is read by then is kept and the reply says so
    max_pixels: int = 40_000_000  # a picture's declared size (a 40 MP phone photo passes; a pixel bomb does not)
    render_dpi: int = 200  # scanned PDF pages are rendered at this resolution for OCR...
    max_render_pixels: int = 12_000_000  # ...unless the page is so large that this many pixels are reached first
    worker_memory: int = 1536 * MEGABYTE  # address space of an OCR worker process: a bomb fails there, not here


@dataclass(frozen=True)
class Reading:
    """The text read from one file (pages joined by blank lines) and how it was obtained."""

    text: str
    source: str  # "ocr": recognised from pixels; "pdf-text": the PDF's own text layer
    kind: str  # "png", "jpeg", "webp" or "pdf" (by content)
    pages: int = 1  # pages (or pictures) read
    total_pages: int = 1  # pages in the file
    cut: tuple[str, ...] = ()  # limits reached: "pages" (more pages than max_pages), "time"
    scripts: tuple[str, ...] = field(default=())  # the scripts the OCR read in ("Arabic", "Cyrillic", "Latin")
    seconds: float = 0.0

    @property
    def chars(self) -> int:
        return len(self.text)
