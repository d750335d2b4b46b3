"""Text from page images, offline: RapidOCR (PP-OCR ONNX models shipped in its wheel) or
Debian's tesseract. Either gives lines with boxes, in the page's coordinates with y
growing upwards as in a PDF, so scanned pages go through the same reading-order and
paragraph rebuilding as text-layer pages (rag.corpus.readers.pdf_layout)."""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rag.corpus.readers import Progress, ReadOptions
from rag.corpus.readers.pdf_layout import WIDE, Char, Line
from rag.errors import RagError

if TYPE_CHECKING:
    from PIL.Image import Image

OCR_TIMEOUT_S = 300  # one page; a hostile image must not hold the build forever
# A page image given to OCR is scaled down to at most this many pixels: 4,000 x 4,000 is over
# 300 dpi for an A4 page, RapidOCR shrinks any side over 2,000 pixels anyway, and a 200-inch
# page or a 9,000-pixel scan would otherwise be encoded, decoded and searched whole.
MAX_OCR_PIXELS = 16_000_000
# Ink: a pixel this many grey levels (of 255) or more from the page's commonest shade. Paper
# grain and JPEG ringing stay within it; light grey text (#ccc on white is 51) does not.
INK_CONTRAST = 48
# A page image with ink on fewer than this share of its pixels (dust, a speck: about 20 pixels
# on an A4 page at 150 dpi, where one character is about 100) is blank and not given to OCR,
# which spends 2.6 s on a blank A4 page with RapidOCR (a 2,000-page blank scan: 45 minutes).
BLANK_INK_SHARE = 1e-5
TESSERACT_FIX = (
    "Install it (apt-get install tesseract-ocr tesseract-ocr-chi-tra tesseract-ocr-chi-sim tesseract-ocr-eng), "
    "choose RAG_OCR=rapidocr, or set RAG_OCR=off to skip scanned pages."
)


class OcrUnavailable(RagError):
    """OCR could not run (no engine, an engine failing, a page taking too long): about this
    machine more than the file, so the file is tried again next time, not marked skipped."""

    transient = True


def _tesseract_lines(png: bytes, languages: str) -> tuple[list[Line], float]:
    if shutil.which("tesseract") is None:
        raise OcrUnavailable("skipped, scanned pages need OCR and tesseract is not installed.", fix=TESSERACT_FIX)
    # One thread per process: tesseract's own OpenMP threads make it 4-5x slower on 2 cores
    # (bench/formats.py); pages are run two at a time instead.
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    cmd = ["tesseract", "stdin", "stdout", "-l", languages, "--oem", "1", "--psm", "3", "tsv"]
    try:
        done = subprocess.run(cmd, input=png, capture_output=True, timeout=OCR_TIMEOUT_S, env=env, check=False)
    except subprocess.TimeoutExpired as exc:
        raise OcrUnavailable(f"skipped, OCR of a page took over {OCR_TIMEOUT_S} s.", fix="Lower RAG_OCR_DPI, or split the file.") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrUnavailable(f"skipped, tesseract failed ({err[-1] if err else done.returncode}).", fix=TESSERACT_FIX)
    rows = list(csv.DictReader(io.StringIO(done.stdout.decode("utf-8", "replace")), delimiter="\t", quoting=csv.QUOTE_NONE))
    height = max((int(r["top"]) + int(r["height"]) for r in rows if r.get("level") == "1"), default=0)
    lines: dict[tuple[str, str, str], Line] = {}
    for r in rows:
        if r.get("level") != "5" or not (r.get("text") or "").strip() or float(r.get("conf") or -1) < 0:
            continue
        left, top, w, h = (int(r[k]) for k in ("left", "top", "width", "height"))
        line = lines.setdefault((r["block_num"], r["par_num"], r["line_num"]), Line())
        word = Char(r["text"].strip(), -1, left, height - top - h, left + w, height - top, h)
        # tesseract splits Chinese into one "word" per character; only Latin words get a space.
        if line.chars and not (_wide_end(line.chars[-1].text) and _wide_end(word.text[0])):
            line.spaces.add(len(line.chars))
        line.chars.append(word)
    return list(lines.values()), float(height)


def _wide_end(text: str) -> bool:
    return bool(WIDE.match(text[-1:]))


@functools.cache
def _rapidocr():
    try:
        from rapidocr import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(
            "skipped, scanned pages need OCR and rapidocr is not installed.", fix="pip install 'rag-cjk[ocr]', or set RAG_OCR=tesseract."
        ) from exc
    import logging

    # onnxruntime's telemetry is off from the start (ORT_DISABLE_TELEMETRY, set in rag/__init__.py).
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)  # it logs every model load at INFO
    return RapidOCR(params={"Global.log_level": "warning"}), threading.Lock()


def _rapidocr_lines(png: bytes) -> tuple[list[Line], float]:
    from PIL import Image

    engine, lock = _rapidocr()
    height = float(Image.open(io.BytesIO(png)).height)
    with lock:  # one engine, one page at a time: onnxruntime already uses both cores
        result = engine(png)
    lines = []
    for box, text in zip(result.boxes if result.boxes is not None else [], result.txts or (), strict=False):
        xs, ys = [float(p[0]) for p in box], [float(p[1]) for p in box]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        size = (bottom - top) * 0.8  # the box has some margin around the glyphs
        lines.append(Line([Char(text.strip(), -1, x0, height - bottom, x1, height - top, size)]))
    return [ln for ln in lines if ln.chars[0].text], height


def page_lines(png: bytes, options: ReadOptions) -> tuple[list[Line], float]:
    """(lines, page height) of one page image, with the engine ``options.ocr`` names."""
    if options.ocr == "rapidocr":
        return _rapidocr_lines(png)
    if options.ocr == "tesseract":
        return _tesseract_lines(png, options.ocr_languages)
    raise RagError("skipped, it has pages with no text layer and OCR is off (RAG_OCR=off).", fix="Set RAG_OCR=rapidocr or tesseract.")


def is_blank(image: Image) -> bool:
    """Whether a page image has (almost) no ink: counted from Pillow's histogram, in C."""
    grey = image if image.mode == "L" else image.convert("L")
    counts = grey.histogram()
    paper = max(range(256), key=counts.__getitem__)
    ink = sum(n for level, n in enumerate(counts) if abs(level - paper) >= INK_CONTRAST)
    return ink <= BLANK_INK_SHARE * grey.width * grey.height


def ocr_png(image: Image) -> bytes | None:
    """The page image as OCR is given it, a grey PNG; None when the page is blank."""
    grey = image if image.mode == "L" else image.convert("L")
    if is_blank(grey):
        return None
    out = io.BytesIO()
    grey.save(out, format="PNG")
    return out.getvalue()


def ocr_size(width: int, height: int) -> tuple[int, int]:
    """``width`` x ``height`` scaled down, keeping its shape, to fit MAX_OCR_PIXELS."""
    if width * height <= MAX_OCR_PIXELS:
        return width, height
    k = (MAX_OCR_PIXELS / (width * height)) ** 0.5
    return max(1, int(width * k)), max(1, int(height * k))


PageLines = tuple[list[Line], float]
BLANK: PageLines = ([], 0.0)


@dataclass
class OcrRun:
    """What OCR made of a file's page images: for each page looked at, in order, its lines
    and height (BLANK for a blank page, None where OCR failed, the error in ``errors``)."""

    count: int  # pages there were to read
    pages: list[PageLines | None] = field(default_factory=list)
    errors: list[RagError] = field(default_factory=list)
    blank: int = 0

    @property
    def left_out(self) -> int:
        """Pages not looked at: over RAG_MAX_OCR_PAGES."""
        return self.count - len(self.pages)

    @property
    def all_blank(self) -> bool:
        return self.count > 0 and self.blank == self.count

    def notes(self, options: ReadOptions, page_of: Callable[[int], int] = lambda i: i + 1) -> list[str]:
        """What to tell the user: blank pages skipped, pages left out by the OCR budget, and
        the first error. ``page_of(i)``: the page number of the i-th image."""
        notes = []
        if self.blank:
            notes.append(f"{self.blank:,} blank page(s) were not read by OCR.")
        if self.left_out:
            notes.append(
                f"OCR stopped at {options.max_ocr_pages:,} pages, the most for one file (RAG_MAX_OCR_PAGES): the "
                f"{self.left_out:,} scanned page(s) after page {page_of(len(self.pages) - 1):,} were left out."
            )
        if self.errors:  # one unreadable scan, or no OCR engine: the other pages are still used
            first = self.errors[0]
            notes.append(f"{len(self.errors)} scanned page(s) left out: {first.message} {first.fix}".strip())
        return notes


def ocr_pages(render: Callable[[int], bytes | None], count: int, options: ReadOptions, progress: Progress | None = None) -> OcrRun:
    """The lines of page images 0..count-1, in order; one bad page does not lose the others.
    ``render(i)`` gives page i as a PNG (``ocr_png``), None when it is blank (not OCR'd), or
    raises RagError when it cannot be made; it is called here, in this thread (pdfium is not
    thread-safe). Recognition runs beside it, two tesseract processes at a time, so only a
    couple of page images are held at once. After ``options.max_ocr_pages`` pages have been
    OCR'd the rest are not looked at (``OcrRun.left_out``)."""
    workers = 2 if options.ocr == "tesseract" else 1
    run = OcrRun(count)
    pending: deque[Future] = deque()

    def collect() -> None:
        try:
            run.pages.append(pending.popleft().result())
        except RagError as exc:
            run.pages.append(None)
            run.errors.append(exc)
        if progress:
            progress(len(run.pages), count, f"OCR ({options.ocr})")

    def done(result: PageLines | None = None, error: RagError | None = None) -> Future:
        future: Future = Future()
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)
        return future

    sent = 0
    with ThreadPoolExecutor(workers) as pool:
        for i in range(count):
            if sent >= options.max_ocr_pages:
                break
            try:
                png = render(i)
            except RagError as exc:  # this page cannot be made (too large): the others can
                pending.append(done(error=exc))
            else:
                if png is None:
                    run.blank += 1
                    pending.append(done(BLANK))
                else:
                    sent += 1
                    pending.append(pool.submit(page_lines, png, options))
            if len(pending) > workers:
                collect()
        while pending:
            collect()
    return run
