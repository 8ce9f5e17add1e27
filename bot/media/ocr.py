"""Optical character recognition with Tesseract 5 through tesserocr, for one process (the reader's worker).

Why tesserocr rather than pytesseract: pytesseract starts a `tesseract` process for every picture, which loads
the language models again each time; tesserocr keeps them loaded in the worker. On this project's 2-core
machine a phone screenshot took 0.08 s against 0.25 s (median of 10 pictures in five languages; commit
message of this module).

The steps, each there because it measurably helped on rendered offers (benchmarks/bench_ocr.py):
- orientation and script detection (Tesseract's OSD): a photo taken sideways is turned upright, and the
  script picks the model: Arabic script -> "Arabic" (Tesseract's model for the whole script: it keeps the
  Sorani letters ە ێ ۆ ڕ ڵ that the Arabic and Persian models turn into other letters), Cyrillic -> Russian,
  Latin -> English with French;
- grey scale, and small pictures (a cropped screenshot, a thumbnail) scaled up: Tesseract reads text best at
  about 30 pixels per line;
- lines that are mostly not letters or that Tesseract itself doubts (the edge of a photographed page, a logo)
  are dropped, so that they neither hide nor fake a warning sign.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path
from typing import Any

from bot.media.reading import Problem, Unreadable

# Where Debian (and most Linux distributions) install the language data of Tesseract 5 and 4.
TESSDATA_CANDIDATES = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                       "/usr/share/tessdata", "/usr/local/share/tessdata", "/opt/homebrew/share/tessdata")
# The model for each script OSD names; a script not listed here is read with every model and the best kept.
MODEL_OF_SCRIPT = {"Arabic": "Arabic", "Cyrillic": "rus", "Latin": "eng+fra"}
# The data files each model needs (Debian: tesseract-ocr-script-arab, -rus, -eng, -fra, -osd).
REQUIRED_DATA = ("Arabic", "rus", "eng", "fra", "osd")
MIN_OSD_SCRIPT_CONFIDENCE = 0.5
MIN_OSD_ORIENTATION_CONFIDENCE = 2.0
UPSCALE_BELOW_WIDTH = 500  # pixels: narrower pictures are scaled up...
UPSCALE_TARGET_WIDTH = 1600  # ...to about this width
MAX_UPSCALE = 4.0
MAX_UPSCALED_PIXELS = 25_000_000
MIN_LINE_CONFIDENCE = 45.0  # Tesseract's 0-100 confidence of a whole line
MIN_LINE_LETTER_SHARE = 0.5  # letters and digits among the line's visible characters
MIN_LETTERS = 8  # fewer letters in the whole picture: "no text found"
# Page segmentations tried, the reading with the most confident letters kept (tesserocr.PSM names). A single
# block reads a short photographed text that the automatic layout loses; the automatic layout reads past an
# app's bars and pictures that a single block merges with the first line.
PAGE_SEGMENTATIONS = ("SINGLE_BLOCK",)

# Marks that OCR output may carry around runs of another direction: invisible, and never in what a person typed.
_BIDI_MARKS = dict.fromkeys([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def find_tessdata(configured: Path | None = None) -> Path | None:
    """The folder with every language file the reader needs, or None (pictures are then not read)."""
    for folder in ([configured] if configured else []) + [Path(p) for p in TESSDATA_CANDIDATES]:
        if all((folder / f"{name}.traineddata").is_file() for name in REQUIRED_DATA):
            return folder
    return None


def letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def clean_line(line: str) -> str:
    return " ".join(line.translate(_BIDI_MARKS).split())


def plausible_line(line: str, confidence: float) -> bool:
    visible = [ch for ch in line if not ch.isspace()]
    if not visible or confidence < MIN_LINE_CONFIDENCE:
        return False
    wordish = sum(1 for ch in visible if ch.isalnum() or unicodedata.category(ch) == "Mn")
    return wordish / len(visible) >= MIN_LINE_LETTER_SHARE


class Tesseract:
    """Tesseract's engines for one process, each model loaded once (loading Arabic costs about 0.3 s)."""

    def __init__(self, tessdata: Path) -> None:
        import tesserocr  # here, not at the top: the bot starts without it, and a worker loads it once

        self._tesserocr = tesserocr
        self.tessdata = str(tessdata)
        self._apis: dict[str, Any] = {}

    def _api(self, model: str, segmentation: str = "OSD_ONLY") -> Any:
        api = self._apis.get(f"{model}/{segmentation}")
        if api is None:
            tesserocr = self._tesserocr
            api = tesserocr.PyTessBaseAPI(path=self.tessdata, lang=model, psm=getattr(tesserocr.PSM, segmentation))
            self._apis[f"{model}/{segmentation}"] = api
        return api

    def close(self) -> None:
        for api in self._apis.values():
            api.End()
        self._apis.clear()

    # -- one picture ---------------------------------------------------------------------------------
    def read(self, image: Any, deadline: float) -> tuple[str, str | None]:
        """(text, script) of a Pillow image. Raises Unreadable(TIMEOUT) when the deadline passes first."""
        image = prepare(image)
        script, image = self._orient(image)
        models = [MODEL_OF_SCRIPT[script]] if script in MODEL_OF_SCRIPT else list(MODEL_OF_SCRIPT.values())
        best: tuple[float, str, str | None] = (-1.0, "", None)
        for model, segmentation in ((m, s) for m in models for s in PAGE_SEGMENTATIONS):
            text, score = self._recognise(model, segmentation, image, deadline)
            if score > best[0]:
                best = (score, text, script or next(s for s, m in MODEL_OF_SCRIPT.items() if m == model))
        return best[1], best[2]

    def _orient(self, image: Any) -> tuple[str | None, Any]:
        api = self._api("osd")
        api.SetImage(image)
        found = api.DetectOrientationScript()
        if not found:
            return None, image
        if found["orient_deg"] and found["orient_conf"] >= MIN_OSD_ORIENTATION_CONFIDENCE:
            # orient_deg is the clockwise rotation the picture has; Pillow's rotate turns counter-clockwise.
            image = image.rotate(found["orient_deg"], expand=True, fillcolor=255)
        script = found["script_name"] if found["script_conf"] >= MIN_OSD_SCRIPT_CONFIDENCE else None
        return script, image

    def _recognise(self, model: str, segmentation: str, image: Any, deadline: float) -> tuple[str, float]:
        """The plausible lines a model reads, and a score (confident letters) to compare models by."""
        tesserocr = self._tesserocr
        remaining_ms = int((deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            raise Unreadable(Problem.TIMEOUT, "time limit reached")
        api = self._api(model, segmentation)
        api.SetImage(image)
        if not api.Recognize(timeout=remaining_ms):
            raise Unreadable(Problem.TIMEOUT, "time limit reached while reading")
        # The whole text, not the iterator's lines: for right-to-left lines the iterator gives the words'
        # letters in visual order. Its word confidences are grouped by line and paired with the text's lines.
        raw_lines = [clean_line(line) for line in api.GetUTF8Text().splitlines()]
        text_lines = [line for line in raw_lines if line]
        confidences = line_confidences(api, tesserocr)
        if len(confidences) != len(text_lines):  # pairing unsure: judge the lines by their letters alone
            confidences = [100.0] * len(text_lines)
        kept: list[str | None] = []  # lines kept; None where a paragraph ends
        score, at = 0.0, 0
        for line in raw_lines:
            if not line:
                kept.append(None)
                continue
            confidence = confidences[at]
            at += 1
            if plausible_line(line, confidence):
                kept.append(line)
                score += letters(line) * confidence / 100
        return join_paragraphs(kept), score


def join_paragraphs(lines: list[str | None]) -> str:
    """Lines as a person would paste them: the lines a paragraph was wrapped into joined by spaces (a word
    broken by a hyphen at a line's end made whole), paragraphs one a line. The checker reads phrases, and a
    phrase must not be lost to where the picture happened to wrap it."""
    paragraphs: list[str] = []
    current = ""
    for line in [*lines, None]:
        if line is None:
            if current:
                paragraphs.append(current)
            current = ""
        elif current.endswith("-") and len(current) > 1 and current[-2].isalpha() and line[:1].islower():
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
    return "\n".join(paragraphs)


def line_confidences(api: Any, tesserocr: Any) -> list[float]:
    """The mean confidence of the words of each text line, in the order of the recognised text."""
    found: list[list[float]] = []
    iterator = api.GetIterator()
    if iterator is None:
        return []
    word, line = tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
    for item in tesserocr.iterate_level(iterator, word):
        if not found or item.IsAtBeginningOf(line):
            found.append([])
        found[-1].append(item.Confidence(word))
    return [sum(words) / len(words) for words in found if words]


def prepare(image: Any) -> Any:
    """Upright (a phone's EXIF orientation), grey, flattened on white, and scaled up if small."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    image = image.convert("L")
    factor = min(MAX_UPSCALE, UPSCALE_TARGET_WIDTH / max(image.width, 1))
    if image.width < UPSCALE_BELOW_WIDTH and image.width * image.height * factor * factor <= MAX_UPSCALED_PIXELS:
        image = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    return image
