"""PDFs printed by headless Chromium, as a user's browser prints them (with the running
header and footer): whole paragraphs, right pages, two columns, and bad PDFs."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from rag.corpus.readers import ReadOptions
from rag.corpus.readers.pdf import PdfReader
from rag.errors import RagError
from tests.documents import article_html, is_heading, print_pdf, seed_blocks

pytestmark = pytest.mark.slow
OPTIONS = ReadOptions()


def page_showing(pdf_path, text: str) -> int:
    """The 1-based page whose own text layer shows ``text`` (PDFium's plain text)."""
    doc = pdfium.PdfDocument(pdf_path)
    try:
        for n in range(len(doc)):
            if text in "".join(doc[n].get_textpage().get_text_range().split()):
                return n + 1
    finally:
        doc.close()
    raise AssertionError(f"{text!r} is on no page")


def test_chinese_paragraphs_come_out_whole_without_header_or_footer(seed_pdf):
    extraction = PdfReader().read(seed_pdf.read_bytes(), OPTIONS)
    blocks = seed_blocks()
    assert [b.text for b in extraction.blocks] == blocks
    assert [b.kind == "heading" for b in extraction.blocks] == [is_heading(b) for b in blocks]
    assert "file://" not in extraction.text and "中俄蒙邊防合作" not in extraction.text  # the address footer, the title header
    assert extraction.pages == len(pdfium.PdfDocument(seed_pdf)) > 1
    assert extraction.title == "中俄蒙邊防合作" and extraction.date is not None


def test_each_paragraph_knows_the_page_it_starts_on_and_where_it_runs_on(seed_pdf):
    extraction = PdfReader().read(seed_pdf.read_bytes(), OPTIONS)
    for block in extraction.blocks:
        assert block.page == page_showing(seed_pdf, block.text[:12])
        for i, at in enumerate(block.page_breaks, 1):
            assert page_showing(seed_pdf, block.text[at : at + 12]) == block.page + i
    assert any(b.page_breaks for b in extraction.blocks), "the seed article has a paragraph running onto the next page"


def test_two_column_pages_are_read_column_by_column(tmp_path):
    pdf = print_pdf(article_html(columns=2), tmp_path / "columns.pdf")
    extraction = PdfReader().read(pdf.read_bytes(), OPTIONS)
    assert [b.text for b in extraction.blocks] == seed_blocks()


def test_an_encrypted_pdf_is_skipped_with_how_to_fix_it(seed_pdf, tmp_path):
    pikepdf = pytest.importorskip("pikepdf")
    locked = tmp_path / "locked.pdf"
    with pikepdf.open(seed_pdf) as doc:
        doc.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
    with pytest.raises(RagError, match="encrypted") as caught:
        PdfReader().read(locked.read_bytes(), OPTIONS)
    assert "print it to a new, unprotected PDF" in caught.value.fix


def test_a_truncated_pdf_is_skipped_or_read_in_part_never_crashes(seed_pdf):
    data = seed_pdf.read_bytes()
    try:
        extraction = PdfReader().read(data[: len(data) // 2], OPTIONS)
    except RagError as exc:
        assert "damaged or truncated PDF" in exc.message
    else:  # PDFium can rebuild what is left of a cut file
        assert len(extraction.blocks) <= len(seed_blocks())


def test_a_2000_page_pdf_is_read_up_to_the_page_limit(seed_pdf, tmp_path):
    big = pdfium.PdfDocument.new()
    source = pdfium.PdfDocument(seed_pdf)
    big.import_pages(source, [0] * 2000)
    big.save(tmp_path / "big.pdf")
    extraction = PdfReader().read((tmp_path / "big.pdf").read_bytes(), ReadOptions(max_pages=25))
    assert extraction.pages == 2000
    assert max(b.page for b in extraction.blocks) == 25
    assert "only the first 25 of 2,000 pages were read (RAG_MAX_PAGES)." in extraction.notes


def test_reading_shows_progress_on_long_files(seed_pdf, tmp_path):
    big = pdfium.PdfDocument.new()
    big.import_pages(pdfium.PdfDocument(seed_pdf), list(range(len(pdfium.PdfDocument(seed_pdf)))) * 8)
    big.save(tmp_path / "long.pdf")
    seen = []
    PdfReader().read((tmp_path / "long.pdf").read_bytes(), OPTIONS, lambda done, total, what: seen.append((done, total)))
    assert seen[-1][0] == seen[-1][1] == len(big) and len(seen) == len(big)
