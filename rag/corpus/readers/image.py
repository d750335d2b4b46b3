"""Scanned pages as image files (PNG, JPEG, TIFF; a TIFF may hold many pages), read by OCR
and rebuilt into paragraphs like a scanned PDF page."""

from __future__ import annotations

import io
import re
import warnings

from rag.corpus.extraction import ALL_BLANK, Block, Extraction
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.ocr import ocr_pages, ocr_png, ocr_size
from rag.corpus.readers.pdf_layout import body_lines, paragraphs_of_lines, reading_order, running_lines
from rag.errors import RagError

_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
_CLAIMED = re.compile(r"\((\d+) pixels\)")


def _too_large(pixels: int, limit: int) -> RagError:
    """An image over Pillow's decompression-bomb limit (Image.MAX_IMAGE_PIXELS, 89 million:
    a page scanned at 1,000 dpi), refused from its header, before it is decoded."""
    return RagError(
        f"skipped, the image is too large to read: it claims {pixels / 1e6:,.0f} million pixels, over the {limit / 1e6:,.0f} "
        f"million one image may have, and decoding it would take {pixels / 2**30:,.1f} GB of memory or more "
        "(a decompression bomb, or a scan at far too high a resolution).",
        fix="If it is a real scan, save it again at 300 dpi or less (an A4 page is then about 9 million pixels).",
    )


class ImageReader:
    name = "image"
    suffixes = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
    version = made_with("2", "rapidocr", "onnxruntime", "pillow")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        from PIL import Image

        if not data.startswith(_MAGIC):
            raise RagError("skipped, not a PNG, JPEG or TIFF image (its first bytes say otherwise).", fix="Check what the file is.")
        limit = Image.MAX_IMAGE_PIXELS or 2**62
        with warnings.catch_warnings():
            # Pillow warns over its limit and refuses over twice it; both refuse the file here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data))
                frames = getattr(image, "n_frames", 1)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                claimed = _CLAIMED.search(str(exc))
                raise _too_large(int(claimed.group(1)) if claimed else limit + 1, limit) from exc
        count = min(frames, options.max_pages)
        if options.ocr == "off":
            return Extraction.of([], notes=["an image: not read, OCR is off (RAG_OCR)."])
        widths: dict[int, float] = {}

        def render(i: int) -> bytes | None:
            image.seek(i)
            if image.width * image.height > limit:  # a later page of a TIFF: its header is read only now
                raise _too_large(image.width * image.height, limit)
            size = ocr_size(image.width, image.height)
            image.draft("L", size)  # a JPEG is decoded at 1/2, 1/4 or 1/8 of its size when that is enough
            page = image.convert("L")
            if page.size != ocr_size(*page.size):
                page = page.resize(ocr_size(*page.size), Image.Resampling.BOX)
            widths[i] = float(page.width)
            return ocr_png(page)

        run = ocr_pages(render, count, options, progress)
        if run.errors and len(run.errors) == len(run.pages):
            raise run.errors[0]
        results = [r or ([], 0.0) for r in run.pages]
        pages = [lines for lines, _height in results]
        heights = [height for _lines, height in results]
        running = running_lines(pages, heights)
        ordered = [reading_order(body_lines(lines, running, h), widths.get(i, 0.0)) for i, (lines, h) in enumerate(results)]
        multi = frames > 1
        blocks = [
            Block(text=p.text, kind="heading" if p.heading else "paragraph", page=p.pages[0] if multi else None, ocr=True,
                  page_breaks=p.page_breaks() if multi else [])
            for p in paragraphs_of_lines(ordered)
        ]  # fmt: skip
        notes = [f"read by OCR ({options.ocr})."] if len(run.pages) > run.blank else []
        notes += run.notes(options)
        if frames > count:
            notes.append(f"only the first {count:,} of {frames:,} pages were read (RAG_MAX_PAGES).")
        if run.all_blank:
            notes.append(ALL_BLANK)
        return Extraction.of(blocks, pages=frames if multi else None, notes=notes)
