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

from rag.corpus.readers import Progress, ReadOptions
from rag.corpus.readers.pdf_layout import WIDE, Char, Line
from rag.errors import RagError

OCR_TIMEOUT_S = 300  # one page; a hostile image must not hold the build forever
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


def ocr_pages(
    render: Callable[[int], bytes], count: int, options: ReadOptions, progress: Progress | None = None
) -> tuple[list[tuple[list[Line], float] | None], list[RagError]]:
    """The lines of images 0..count-1, in order (None for a page OCR failed on, with its
    error in the second list, so one bad page does not lose the others). ``render`` is
    called here, in this thread (pdfium is not thread-safe); recognition runs beside it,
    two tesseract processes at a time, so only a couple of page images are held at once."""
    workers = 2 if options.ocr == "tesseract" else 1
    results: list[tuple[list[Line], float] | None] = []
    errors: list[RagError] = []
    pending: deque[Future] = deque()

    def collect() -> None:
        try:
            results.append(pending.popleft().result())
        except RagError as exc:
            results.append(None)
            errors.append(exc)
        if progress:
            progress(len(results), count, f"OCR ({options.ocr})")

    with ThreadPoolExecutor(workers) as pool:
        for i in range(count):
            pending.append(pool.submit(page_lines, render(i), options))
            if len(pending) > workers:
                collect()
        while pending:
            collect()
    return results, errors
