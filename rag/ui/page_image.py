"""A picture of the PDF page a citation points to, with the quoted lines highlighted:
pypdfium2 renders the page and gives each character's box; the quote is found among
the page's characters (spaces, hyphens and full-width forms aside) and its boxes are
painted line by line."""

from __future__ import annotations

import base64
import io
import logging
import stat
import unicodedata
from pathlib import Path

from rag.types import Answer, Passage

log = logging.getLogger("rag")
IMAGE_WIDTH = 720  # pixels; sharp enough to read on a phone, about 100 kB as JPEG


def _folded(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace() and ch not in "-‐")


def quote_boxes(textpage, quote: str) -> list[tuple[float, float, float, float]]:
    """One rectangle per page line the quote covers (PDF units); [] when not found. A quote
    that runs onto the next page is matched as far as this page shows it."""
    from rag.corpus.readers.pdf import page_chars
    from rag.corpus.readers.pdf_layout import lines_of

    lines = lines_of(page_chars(textpage))
    folded: list[str] = []
    owner: list[tuple[int, int]] = []  # (line, char) behind each folded character
    for li, line in enumerate(lines):
        for ci, c in enumerate(line.chars):
            for ch in _folded(c.text):
                folded.append(ch)
                owner.append((li, ci))
    page_text, target = "".join(folded), _folded(quote)
    at, length = page_text.find(target), len(target)
    while at < 0 and length > 8:  # the part of a run-on quote this page holds: its start
        length = length * 3 // 4
        at = page_text.find(target[:length])
    if at < 0 or not target:
        return []
    boxes: dict[int, list[float]] = {}
    for li, ci in owner[at : at + length]:
        c = lines[li].chars[ci]
        box = boxes.setdefault(li, [c.x0, c.y0, c.x1, c.y1])
        box[:] = [min(box[0], c.x0), min(box[1], c.y0), max(box[2], c.x1), max(box[3], c.y1)]
    return [tuple(b) for _, b in sorted(boxes.items())]  # type: ignore[misc]


def page_picture(pdf_path: Path, page_number: int, quotes: list[str], width: int = IMAGE_WIDTH) -> bytes:
    """JPEG of the page with each quote's lines under a yellow highlight."""
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    from rag.corpus.readers.pdf import PDFIUM, render_scale

    with PDFIUM:
        pdf = pdfium.PdfDocument(pdf_path)
        try:
            page = pdf[page_number - 1]
            page_width, page_height = page.get_size()
            scale = render_scale(page, width / page_width)
            image = page.render(scale=scale).to_pil().convert("RGB")
            textpage = page.get_textpage()
            boxes = [box for quote in quotes for box in quote_boxes(textpage, quote)]
        finally:
            pdf.close()
    overlay = image.copy()
    draw = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in boxes:
        top, bottom = (page_height - y1) * scale, (page_height - y0) * scale
        draw.rectangle([x0 * scale - 2, top - 2, x1 * scale + 2, bottom + 2], fill="#fde047")
    image = Image.blend(image, overlay, 0.45) if boxes else image
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def cited_pages(corpus_dir: Path, answer: Answer) -> dict[int, str]:
    """Passage rank -> data: URL of its cited PDF page, for the cited passages from PDFs.
    A page that cannot be drawn (the file changed or went) is left out, never an error."""
    by_rank: dict[int, Passage] = {p.rank: p for p in answer.passages}
    quotes: dict[int, list[str]] = {}
    for c in answer.citations:
        passage = by_rank.get(c.key)
        if passage is not None and passage.page is not None and passage.doc_id.lower().endswith(".pdf"):
            quotes.setdefault(c.key, []).append(c.text)
    pictures = {}
    for rank, texts in quotes.items():
        passage = by_rank[rank]
        cited = next((c for c in answer.citations if c.key == rank), None)
        page = cited.page if cited is not None and cited.page is not None else passage.page
        try:
            path = (corpus_dir / passage.doc_id).resolve(strict=True)
            if not path.is_relative_to(corpus_dir.resolve()) or not stat.S_ISREG(path.stat().st_mode):
                continue  # out of the folder, or a pipe that would hang the answer
            jpeg = page_picture(path, page or 1, [] if passage.ocr else texts)
        except Exception as exc:  # a damaged or replaced file: the card just has no picture
            log.warning("No picture of %s p.%s: %s", passage.doc_id, page, exc)
            continue
        pictures[rank] = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
    return pictures
