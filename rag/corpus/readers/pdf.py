"""PDF with pypdfium2 (PDFium, the engine Chromium prints and shows PDFs with; BSD and
Apache licensed): characters with their boxes, so lines, columns and paragraphs are
rebuilt from geometry (rag.corpus.readers.pdf_layout). Pages with no text layer are
rendered and read by OCR."""

from __future__ import annotations

import math
import re
import threading

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from rag.corpus.extraction import ALL_BLANK, Block, Extraction
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.ocr import MAX_OCR_PIXELS, ocr_pages, ocr_png
from rag.corpus.readers.pdf_layout import Char, Line, body_lines, lines_of, paragraphs_of_lines, reading_order, running_lines
from rag.errors import RagError

# PDFium is not thread-safe, and the page renders cited pages while a rebuild may be reading
# PDFs: every call into it holds this lock (held per page, not per file, so neither waits long).
PDFIUM = threading.RLock()
MAX_RENDER_PIXELS = 40_000_000  # a page rendered for OCR or display; an A0 poster at 150 dpi is 35M
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})(\d{2})")
_SHOW_PROGRESS_FROM = 20  # pages; shorter files are read before a bar would be drawn
# PDFium reports a hyphen that the layout broke a word at as U+0002.
_BROKEN_HYPHEN = 0x02


def open_pdf(data: bytes) -> pdfium.PdfDocument:
    if b"%PDF-" not in data[:1024]:
        raise RagError("skipped, not a PDF (it does not begin with %PDF-).", fix="Check what the file is, and give it its right suffix.")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise RagError(
                "skipped, the PDF is encrypted (it needs a password).",
                fix="Open it with its password and print it to a new, unprotected PDF, and put that in the folder.",
            ) from exc
        raise RagError(f"skipped, a damaged or truncated PDF ({exc}).", fix="Open it in a PDF viewer and save or print it again.") from exc


def page_chars(textpage: pdfium.PdfTextPage) -> list[Char | None]:
    """The page's characters with boxes; None where PDFium marks a line break."""
    chars: list[Char | None] = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        if code == _BROKEN_HYPHEN:
            code = ord("-")
        if code == 0x0A:
            chars.append(None)
            continue
        ch = chr(code) if 0x20 <= code < 0x110000 and not 0xD800 <= code < 0xE000 else ""
        if not ch or ch.isspace():
            if ch:
                chars.append(Char(" ", i, 0, 0, 0, 0, 0))
            continue
        x0, y0, x1, y1 = textpage.get_charbox(i)
        chars.append(Char(ch, i, x0, y0, x1, y1, pdfium_c.FPDFText_GetFontSize(textpage.raw, i)))
    return chars


def text_lines(page: pdfium.PdfPage) -> list[Line]:
    textpage = page.get_textpage()
    try:
        return lines_of(page_chars(textpage))
    finally:
        textpage.close()


def _has_images(page: pdfium.PdfPage) -> bool:
    return any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects(max_depth=2))


def render_scale(page: pdfium.PdfPage, wanted: float, most: float = MAX_RENDER_PIXELS) -> float:
    """``wanted`` (pixels per point), lowered so a huge page cannot make a bitmap of more
    than ``most`` pixels."""
    points = max(page.get_width() * page.get_height(), 1.0)
    return min(wanted, math.sqrt(most / points))


def _png(page: pdfium.PdfPage, dpi: int) -> tuple[bytes | None, float]:
    """The page as a PNG for OCR (None when it is blank), and the dpi it was really
    rendered at: a huge page is rendered smaller, within the OCR pixel budget."""
    scale = render_scale(page, dpi / 72, MAX_OCR_PIXELS)
    return ocr_png(page.render(scale=scale, grayscale=True).to_pil()), scale * 72


def _in_points(lines: list[Line], dpi: float) -> list[Line]:
    """OCR boxes are in pixels at ``dpi``; text-layer boxes are in points."""
    k = 72 / dpi
    return [Line([Char(c.text, -1, c.x0 * k, c.y0 * k, c.x1 * k, c.y1 * k, c.size * k) for c in ln.chars], set(ln.spaces)) for ln in lines]


def _date(metadata: dict[str, str]) -> str | None:
    found = _PDF_DATE.match(metadata.get("CreationDate", "") or metadata.get("ModDate", ""))
    return "-".join(found.groups()) if found else None


class PdfReader:
    name = "pdf"
    suffixes = (".pdf",)
    version = made_with("3", "pypdfium2", "rapidocr", "onnxruntime")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        with PDFIUM:
            pdf = open_pdf(data)
        try:
            return self._read(pdf, options, progress)
        finally:
            with PDFIUM:
                pdf.close()

    def _read(self, pdf: pdfium.PdfDocument, options: ReadOptions, progress: Progress | None) -> Extraction:
        with PDFIUM:
            total = len(pdf)
        count = min(total, options.max_pages)
        show = progress if progress and count >= _SHOW_PROGRESS_FROM else None
        pages: list[list[Line]] = []
        widths: list[float] = []
        heights: list[float] = []
        scanned: list[int] = []
        bare = 0  # pages with neither text nor pictures
        for n in range(count):
            with PDFIUM:
                page = pdf[n]
                widths.append(page.get_width())
                heights.append(page.get_height())
                lines = text_lines(page)
                if not lines and _has_images(page):
                    scanned.append(n)
                elif not lines:
                    bare += 1
                pages.append(lines)
                page.close()
            if show:
                show(n + 1, count, "reading pages")
        notes = []
        if scanned:
            if options.ocr == "off":
                notes.append(f"{len(scanned)} page(s) with no text layer left out: OCR is off (RAG_OCR).")
            else:
                dpi: dict[int, float] = {}

                def render(i: int) -> bytes | None:
                    with PDFIUM:
                        page = pdf[scanned[i]]
                        try:
                            png, dpi[i] = _png(page, options.ocr_dpi)
                            return png
                        finally:
                            page.close()

                run = ocr_pages(render, len(scanned), options, progress)
                for i, result in enumerate(run.pages):
                    if result is not None:
                        pages[scanned[i]] = _in_points(result[0], dpi[i])
                read = len(run.pages) - run.blank - len(run.errors)
                if read:
                    notes.append(f"{read:,} of {count:,} page(s) had no text layer and were read by OCR ({options.ocr}).")
                notes += run.notes(options, page_of=lambda i: scanned[i] + 1)
                if bare + run.blank == count and not run.left_out:
                    notes.append(ALL_BLANK)
        elif count and bare == count:
            notes.append(ALL_BLANK)
        if total > count:
            notes.append(f"only the first {count:,} of {total:,} pages were read (RAG_MAX_PAGES).")
        running = running_lines(pages, heights)
        ordered = [
            reading_order(body_lines(lines, running, height), width) for lines, width, height in zip(pages, widths, heights, strict=True)
        ]
        ocr = {n + 1 for n in scanned}
        blocks = [
            Block(
                text=p.text,
                kind="heading" if p.heading else "paragraph",
                page=p.pages[0],
                ocr=p.pages[0] in ocr,
                page_breaks=p.page_breaks(),
            )
            for p in paragraphs_of_lines(ordered)
        ]
        with PDFIUM:
            metadata = pdf.get_metadata_dict(skip_empty=True)
        return Extraction.of(blocks, pages=total, date=_date(metadata), title=metadata.get("Title", ""), notes=notes)
