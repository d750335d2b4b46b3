"""The seed article as PDF, DOCX, HTML inside a site, and a scanned PDF, each alone in a
corpus folder: asked the key question, each answers 500億立方公尺 citing that file, and
for the PDFs the page that shows the sentence. The files are made here."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rag.corpus.readers import ReadOptions
from rag.corpus.readers.pdf import PdfReader
from rag.pipeline import RAG
from rag.ui.cli import app
from tests.conftest import KEY_ANSWER as KEY
from tests.conftest import KEY_QUESTION, make_settings
from tests.documents import article_html, docx_file

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def made(tmp_path_factory, seed_pdf, seed_scan):
    folder = tmp_path_factory.mktemp("made")
    return {
        "article.pdf": seed_pdf,
        "article.docx": docx_file(folder / "article.docx"),
        "article.html": _write(folder / "article.html", article_html(site=True)),
        "scan.pdf": seed_scan,
    }


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _key_page(pdf) -> int:
    return next(b.page for b in PdfReader().read(pdf.read_bytes(), ReadOptions()).blocks if KEY in b.text)


@pytest.mark.parametrize("name", ["article.pdf", "article.docx", "article.html", "scan.pdf"])
def test_each_format_alone_answers_the_key_question_citing_its_file(made, name, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / name).write_bytes(made[name].read_bytes())
    answer = RAG(make_settings(tmp_path, corpus)).ask(KEY_QUESTION, model="extractive")
    assert KEY in answer.text, answer.text
    assert answer.citations and {c.doc_id for c in answer.citations} == {name}
    holding = [c for c in answer.citations if KEY in c.text]
    assert holding, [c.text for c in answer.citations]
    if name.endswith(".pdf"):
        assert holding[0].page == _key_page(made["article.pdf"])
        assert holding[0].location.startswith(f"{name} p.{holding[0].page} ¶")
        assert holding[0].ocr == (name == "scan.pdf")
    else:
        assert holding[0].page is None and holding[0].location.startswith(f"{name} ¶")


def test_rag_ask_prints_file_page_and_paragraph(made, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.pdf").write_bytes(made["article.pdf"].read_bytes())
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    result = CliRunner().invoke(app, ["ask", KEY_QUESTION, "--model", "extractive"])
    assert result.exit_code == 0, result.output
    assert f"article.pdf p.{_key_page(made['article.pdf'])} ¶" in result.output


def test_unchanged_documents_are_not_read_again_and_their_vectors_are_reused(made, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "article.pdf").write_bytes(made["article.pdf"].read_bytes())
    rag = RAG(make_settings(tmp_path, corpus))
    first = rag.build()

    def must_not_read(*args, **kwargs):
        raise AssertionError("an unchanged PDF was read again")

    monkeypatch.setattr(PdfReader, "read", must_not_read)
    (corpus / "article.docx").write_bytes(made["article.docx"].read_bytes())
    second = rag.build()
    assert second.documents == 2 and second.reused_chunks >= first.chunks
    assert rag.status().state == "fresh"


def test_a_status_check_never_reads_a_new_pdf_and_a_damaged_one_is_not_parsed_again(made, tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.txt").write_text("蒙古每年可獲得10億美元的過境費。", encoding="utf-8")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40)
    rag = RAG(make_settings(tmp_path, corpus))
    assert "broken.pdf: skipped, a damaged or truncated PDF" in "\n".join(rag.build().problems)
    (corpus / "article.pdf").write_bytes(made["article.pdf"].read_bytes())

    def must_not_read(*args, **kwargs):
        raise AssertionError("a status check read a PDF")

    original = PdfReader.read
    monkeypatch.setattr(PdfReader, "read", must_not_read)
    status = rag.status()  # the page asks this on every load: it must not start OCR or parsing
    assert status.state == "stale" and "corpus files changed" in status.reasons
    assert any("article.pdf: new or changed" in n for n in status.notes)
    assert any("broken.pdf: skipped, a damaged or truncated PDF" in p for p in status.problems)  # remembered, not parsed
    monkeypatch.setattr(PdfReader, "read", original)
    rag.build()
    monkeypatch.setattr(PdfReader, "read", must_not_read)
    assert rag.status().state == "fresh"
