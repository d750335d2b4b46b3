"""`rag add`, `rag documents` and `rag remove` on a real index (real model)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from rag.ui.cli import app

pytestmark = pytest.mark.slow


def test_add_list_ask_and_remove_from_the_command_line(tmp_path, monkeypatch, seed_pdf):
    corpus = tmp_path / "corpus"
    monkeypatch.setenv("RAG_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    notes = tmp_path / "notes.md"
    notes.write_text("蒙古國每年可以獲得10億美元的能源過境費收入。", encoding="utf-8")
    bad = tmp_path / "fake.pdf"
    bad.write_text("<html>not a pdf</html>")
    runner = CliRunner()
    added = runner.invoke(app, ["add", str(seed_pdf), str(notes), str(bad)])
    assert added.exit_code == 1  # one of three refused
    assert "added article.pdf" in added.output and "added notes.md" in added.output
    assert "fake.pdf: its content is not a PDF file" in added.output and "index updated: 2 documents" in added.output
    listed = json.loads(runner.invoke(app, ["documents", "--json"]).output)["documents"]
    assert [(d["doc_id"], d["type"], d["state"]) for d in listed] == [("article.pdf", "pdf", "indexed"), ("notes.md", "text", "indexed")]
    from rag.corpus.readers import ReadOptions
    from rag.corpus.readers.pdf import PdfReader

    extraction = PdfReader().read(seed_pdf.read_bytes(), ReadOptions())
    assert listed[0]["pages"] == extraction.pages and listed[0]["paragraphs"] == sum(b.kind != "heading" for b in extraction.blocks)
    again = runner.invoke(app, ["add", str(notes)])
    assert again.exit_code == 1 and "already in the corpus as notes.md" in again.output
    removed = runner.invoke(app, ["remove", "article.pdf"])
    assert removed.exit_code == 0 and "index updated: 1 documents" in removed.output
    asked = json.loads(runner.invoke(app, ["ask", "--json", "西伯利亞力量2號管道每年最多可輸送多少天然氣？"]).output)
    assert all(c["doc_id"] != "article.pdf" for c in asked["citations"])
    assert runner.invoke(app, ["remove", "../notes.md"]).exit_code == 1
