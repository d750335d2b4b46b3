"""Scanned pages (page images only) read offline by OCR, with either engine."""

from __future__ import annotations

import os
import shutil

import pytest

from rag.corpus.files import load_corpus
from rag.corpus.readers import ReadOptions
from rag.corpus.readers.image import ImageReader
from rag.corpus.readers.pdf import PdfReader
from tests.conftest import KEY_ANSWER as KEY
from tests.documents import page_png

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def scans(seed_pdf, seed_scan):
    return seed_pdf, seed_scan


def _key_page(text_pdf) -> int:
    extraction = PdfReader().read(text_pdf.read_bytes(), ReadOptions())
    return next(b.page for b in extraction.blocks if KEY in b.text)


def test_a_scanned_pdf_is_read_by_rapidocr_and_marked_as_ocr(scans):
    text_pdf, scan = scans
    seen = []
    extraction = PdfReader().read(scan.read_bytes(), ReadOptions(ocr="rapidocr"), lambda d, t, w: seen.append((d, t, w)))
    holding = [b for b in extraction.blocks if KEY in b.text]
    assert holding and all(b.ocr for b in extraction.blocks)
    assert holding[0].page == _key_page(text_pdf)
    assert any("read by OCR (rapidocr)" in n for n in extraction.notes)
    assert seen[-1][:2] == (extraction.pages, extraction.pages) and "OCR" in seen[-1][2]


def test_an_image_file_is_read_by_each_engine(scans, tmp_path):
    text_pdf, _scan = scans
    png = page_png(text_pdf, _key_page(text_pdf), tmp_path / "page.png", dpi=300).read_bytes()
    for engine in ("rapidocr", "tesseract"):
        if engine == "tesseract" and shutil.which("tesseract") is None and not os.environ.get("CI"):
            continue
        extraction = ImageReader().read(png, ReadOptions(ocr=engine, ocr_languages="chi_tra+eng"))
        text = "".join(b.text for b in extraction.blocks)
        assert "西伯利亞" in text and "500" in text, (engine, text[:200])
        assert all(b.ocr and b.page is None for b in extraction.blocks)


def test_with_ocr_off_a_scan_is_skipped_with_the_reason(scans, tmp_path):
    _text_pdf, scan = scans
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(scan, folder / "scan.pdf")
    corpus = load_corpus(folder, ReadOptions(ocr="off"))
    assert corpus.documents == []
    assert any("scan.pdf: skipped, no text in it (no text layer, and OCR found no text; is RAG_OCR off?)" in p for p in corpus.problems)


def test_a_scanned_page_ocr_cannot_read_is_left_out_and_the_text_pages_kept(scans, tmp_path):
    import pypdfium2 as pdfium

    text_pdf, scan = scans
    mixed = pdfium.PdfDocument.new()
    mixed.import_pages(pdfium.PdfDocument(text_pdf), [0])
    mixed.import_pages(pdfium.PdfDocument(scan), [1])
    mixed.save(tmp_path / "mixed.pdf")
    broken = ReadOptions(ocr="tesseract", ocr_languages="no_such_language")
    extraction = PdfReader().read((tmp_path / "mixed.pdf").read_bytes(), broken)
    assert extraction.blocks and {b.page for b in extraction.blocks} == {1}
    assert any("1 scanned page(s) left out: skipped, tesseract failed" in n for n in extraction.notes), extraction.notes
