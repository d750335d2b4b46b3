"""Encrypted, corrupt, truncated and oversized documents: each is skipped or limited with a
reason that names the file, and never stops the rest of the corpus from being read."""

from __future__ import annotations

import pytest

from rag.corpus.files import load_corpus
from rag.corpus.readers import ReadOptions
from rag.corpus.readers.image import ImageReader
from rag.errors import RagError
from tests.documents import docx_file, exploding_docx, huge_png_header, zip_bomb


def _problems(corpus_dir, **options) -> str:
    corpus = load_corpus(corpus_dir, ReadOptions(**options))
    assert [d.doc_id for d in corpus.documents] == ["good.txt"], corpus.problems
    return "\n".join(corpus.problems)


@pytest.fixture
def corpus_dir(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text("西伯利亞力量2號管道每年最多輸送500億立方公尺天然氣。", encoding="utf-8")
    return folder


def test_a_zip_bomb_posing_as_docx_is_refused_before_it_is_unpacked(corpus_dir):
    """A 0.6 MB .docx unpacking to 600 MB -> skipped before unpacking, the limit named."""
    zip_bomb(corpus_dir / "bomb.docx", unpacked_mb=600)
    assert (corpus_dir / "bomb.docx").stat().st_size < 2 * 2**20
    problems = _problems(corpus_dir)
    assert "bomb.docx: skipped, it would unpack to 600 MB, over the 512 MB limit (RAG_MAX_UNPACKED_MB)" in problems


def test_damaged_office_files_are_skipped_with_the_reason(corpus_dir, tmp_path):
    """Truncated DOCX, text named .xlsx, random bytes as .pptx -> each skipped, with the reason."""
    whole = docx_file(tmp_path / "whole.docx", blocks=["一段文字。"]).read_bytes()
    (corpus_dir / "truncated.docx").write_bytes(whole[: len(whole) // 2])
    (corpus_dir / "renamed.xlsx").write_text("just text, named like a spreadsheet")
    (corpus_dir / "garbage.pptx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    problems = _problems(corpus_dir)
    assert "truncated.docx: skipped, a damaged or truncated DOCX file" in problems
    assert "renamed.xlsx: skipped, not a XLSX file" in problems
    assert "garbage.pptx: skipped, a damaged or truncated PPTX file" in problems


def test_pdfs_that_are_not_pdfs_or_are_broken_are_skipped(corpus_dir):
    """HTML named .pdf, a %PDF header over garbage -> each skipped, with the reason."""
    (corpus_dir / "page.pdf").write_text("<html>not a pdf</html>")
    (corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    problems = _problems(corpus_dir)
    assert "page.pdf: skipped, not a PDF (it does not begin with %PDF-)." in problems
    assert "broken.pdf: skipped, a damaged or truncated PDF" in problems


def test_an_image_claiming_ten_billion_pixels_is_refused_from_its_header():
    """A PNG header claiming 100,000 x 100,000 pixels -> refused before decoding, its size and the fix said."""
    with pytest.raises(RagError, match="too large to read: it claims 10,000 million pixels") as caught:
        ImageReader().read(huge_png_header(), ReadOptions())
    assert "decompression bomb" in caught.value.message and "300 dpi or less" in caught.value.fix


def test_a_tiff_page_too_large_to_decode_is_left_out_from_its_own_header(tmp_path):
    """A TIFF whose first page is small and second claims 144 million pixels (Pillow checks
    only the first when opening) -> the second left out with the reason, never decoded."""
    from PIL import Image

    path = tmp_path / "pages.tif"
    Image.new("L", (100, 100), 255).save(path, save_all=True, append_images=[Image.new("L", (12_000, 12_000), 255)])
    extraction = ImageReader().read(path.read_bytes(), ReadOptions())
    assert extraction.pages == 2 and extraction.blocks == []
    assert any("1 scanned page(s) left out: skipped, the image is too large to read: it claims 144 million" in n for n in extraction.notes)


@pytest.mark.parametrize("ink,blank", [((0, 0), True), ((2, 2), True), ((5, 5), False), ((40, 50), False)])
def test_a_page_image_with_no_ink_is_blank_and_a_few_characters_are_not(ink, blank):
    """An off-white A4 page at 150 dpi with a black patch of ``ink`` pixels (a speck of
    dust: a few; one character: about 100) -> blank, not given to OCR, only below about 20."""
    from PIL import Image

    from rag.corpus.readers.ocr import is_blank, ocr_png

    page = Image.new("L", (1240, 1754), 250)
    if ink[0]:
        page.paste(0, (600, 800, 600 + ink[0], 800 + ink[1]))
    assert is_blank(page) is blank
    assert (ocr_png(page) is None) is blank


def test_a_text_file_named_as_an_image_is_refused(corpus_dir):
    """Text named .jpg -> skipped: not an image by its first bytes."""
    (corpus_dir / "photo.jpg").write_text("not an image")
    assert "photo.jpg: skipped, not a PNG, JPEG or TIFF image" in _problems(corpus_dir)


@pytest.mark.slow
def test_bad_documents_added_later_neither_stop_the_build_nor_lose_the_index(corpus_dir, tmp_path, seed_pdf):
    """Encrypted PDF, zip bomb, script-only HTML added to an indexed folder -> rebuilt, each listed, still answers."""
    import pikepdf

    from rag.pipeline import RAG
    from tests.conftest import make_settings

    rag = RAG(make_settings(tmp_path, corpus_dir))
    rag.build()
    with pikepdf.open(seed_pdf) as doc:
        doc.save(corpus_dir / "locked.pdf", encryption=pikepdf.Encryption(user="secret", owner="owner"))
    zip_bomb(corpus_dir / "bomb.docx", unpacked_mb=600)
    (corpus_dir / "app.html").write_text("<html><body><script>render()</script></body></html>")
    report = rag.build()
    assert report.documents == 1
    joined = "\n".join(report.problems)
    assert "locked.pdf: skipped, the PDF is encrypted" in joined and "bomb.docx: skipped, it would unpack" in joined
    assert "app.html: skipped, no text in it (an HTML page with no article text" in joined
    assert "500億立方公尺" in rag.ask("西伯利亞力量2號管道每年最多輸送多少天然氣？", model="extractive").text


def test_a_small_docx_that_unpacks_to_millions_of_paragraphs_is_refused_before_parsing(corpus_dir):
    """A 40 MB document.xml of real paragraphs (a few hundred kB zipped, far under the
    archive's 512 MB limit) -> refused by the one-part limit, before python-docx holds it
    in memory many times over."""
    exploding_docx(corpus_dir / "many.docx", unpacked_mb=40)
    assert (corpus_dir / "many.docx").stat().st_size < 2 * 2**20
    problems = _problems(corpus_dir)
    assert "many.docx: skipped, its part word/document.xml would unpack to 40 MB, over the 32 MB limit" in problems
    assert "RAG_MAX_PART_MB" in problems


def test_a_file_of_too_many_paragraphs_is_cut_with_a_note(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "many.txt").write_text("\n\n".join(f"第{i}段。" for i in range(150)), encoding="utf-8")
    corpus = load_corpus(folder, ReadOptions(max_paragraphs=100))
    assert [d.doc_id for d in corpus.documents] == ["many.txt"]
    assert len(corpus.paragraphs) == 100 and corpus.paragraphs[-1].text == "第99段。"
    assert "many.txt: only the first 100 of 150 paragraphs were read (RAG_MAX_PARAGRAPHS)." in corpus.notes
