"""The picture of a cited PDF page: rendered by PDFium, the quoted lines highlighted."""

from __future__ import annotations

import base64
import io
import shutil

import numpy as np
import pytest

from rag.corpus.readers import ReadOptions
from rag.corpus.readers.pdf import PdfReader
from rag.types import Answer, Citation, Passage
from rag.ui.page_image import cited_pages, page_picture

pytestmark = pytest.mark.slow
QUOTE = "該管道途經蒙古國東部，依其管道孔徑大小，俄羅斯每年最多可向中國輸送500億立方公尺天然氣，成為中俄之間最重要的能源動脈。"


def highlighted(jpeg: bytes) -> int:
    """Pixels of the highlight's yellow (bright red and green, little blue)."""
    from PIL import Image

    image = Image.open(io.BytesIO(jpeg)).convert("RGB")
    pixels = np.asarray(image).astype(int)
    return int(((pixels[..., 0] > 230) & (pixels[..., 1] > 215) & (pixels[..., 2] < 190)).sum())


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_pdf):
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(seed_pdf, folder / "article.pdf")
    return folder


def test_the_quoted_lines_are_highlighted_on_the_page_that_shows_them(corpus):
    blocks = PdfReader().read((corpus / "article.pdf").read_bytes(), ReadOptions()).blocks
    page = next(b.page for b in blocks if QUOTE in b.text)
    lit = highlighted(page_picture(corpus / "article.pdf", page, [QUOTE]))
    assert lit > 2000  # three lines of text under yellow
    assert highlighted(page_picture(corpus / "article.pdf", page, [])) < lit / 20
    assert highlighted(page_picture(corpus / "article.pdf", page, ["這句話不在這一頁上。"])) < lit / 20


def test_cited_pages_draws_only_cited_pdf_passages_inside_the_corpus(corpus):
    def passage(rank: int, doc_id: str, page: int | None) -> Passage:
        return Passage(paragraph_id=f"{doc_id}#p1", doc_id=doc_id, score=1, text=QUOTE, start=0, end=len(QUOTE),
                       match_start=0, match_end=len(QUOTE), rank=rank, page=page)  # fmt: skip

    shutil.copy(corpus / "article.pdf", corpus.parent / "outside.pdf")  # a real PDF, outside the folder
    passages = [passage(1, "article.pdf", 2), passage(2, "notes.md", None), passage(3, "../outside.pdf", 1), passage(4, "article.pdf", 1)]
    citations = [Citation.quote(r, passages[r - 1], 0, len(QUOTE)) for r in (1, 2, 3)]
    pictures = cited_pages(corpus, Answer(question="q", text="…", passages=passages, citations=citations))
    assert set(pictures) == {1}
    assert highlighted(base64.b64decode(pictures[1].split(",", 1)[1])) > 2000
