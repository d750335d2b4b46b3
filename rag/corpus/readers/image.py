"""Scanned pages as image files (PNG, JPEG, TIFF; a TIFF may hold many pages), read by OCR
and rebuilt into paragraphs like a scanned PDF page."""

from __future__ import annotations

import io
import warnings

from rag.corpus.extraction import Block, Extraction
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.ocr import ocr_pages
from rag.corpus.readers.pdf_layout import body_lines, paragraphs_of_lines, reading_order, running_lines
from rag.errors import RagError

_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")
MAX_PIXELS = 12_000 * 12_000  # a page scanned at 1,200 dpi is about 10,000 x 13,000


class ImageReader:
    name = "image"
    suffixes = (".png", ".jpg", ".jpeg", ".tif", ".tiff")
    version = made_with("1", "rapidocr", "onnxruntime", "pillow")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        from PIL import Image

        if not data.startswith(_MAGIC):
            raise RagError("skipped, not a PNG, JPEG or TIFF image (its first bytes say otherwise).", fix="Check what the file is.")
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data))
                frames = getattr(image, "n_frames", 1)
                if image.width * image.height > MAX_PIXELS:
                    raise Image.DecompressionBombError(f"{image.width} x {image.height} pixels")
            except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
                raise RagError(f"skipped, the image is too large to read ({exc}).", fix="Scan it again at 300 dpi.") from exc
        count = min(frames, options.max_pages)
        if options.ocr == "off":
            return Extraction.of([], notes=["an image: not read, OCR is off (RAG_OCR)."])

        def render(i: int) -> bytes:
            image.seek(i)
            out = io.BytesIO()
            image.convert("L").save(out, format="PNG")
            return out.getvalue()

        read, errors = ocr_pages(render, count, options, progress)
        if errors and len(errors) == count:
            raise errors[0]
        results = [r or ([], 0.0) for r in read]
        pages = [lines for lines, _height in results]
        heights = [height for _lines, height in results]
        running = running_lines(pages, heights)
        ordered = [reading_order(body_lines(lines, running, h), float(image.width)) for lines, h in zip(pages, heights, strict=True)]
        multi = frames > 1
        blocks = [
            Block(text=p.text, kind="heading" if p.heading else "paragraph", page=p.pages[0] if multi else None, ocr=True,
                  page_breaks=p.page_breaks() if multi else [])
            for p in paragraphs_of_lines(ordered)
        ]  # fmt: skip
        notes = [f"read by OCR ({options.ocr})."] + [f"a page was left out: {e.message}" for e in errors[:3]]
        if frames > count:
            notes.append(f"only the first {count:,} of {frames:,} pages were read (RAG_MAX_PAGES).")
        return Extraction.of(blocks, pages=frames if multi else None, notes=notes)
