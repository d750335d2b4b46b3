from __future__ import annotations

import pytest

from rag.corpus.files import load_corpus
from rag.errors import RagError
from tests.conftest import SEED_DOC, SEEDS


def test_seed_paragraph_ids_and_offsets_round_trip():
    corpus = load_corpus(SEEDS)
    assert corpus.problems == []
    text = (SEEDS / SEED_DOC).read_text(encoding="utf-8")
    ids = [p.paragraph_id for p in corpus.paragraphs]
    assert ids == [f"{SEED_DOC}#p{i}" for i in range(1, len(ids) + 1)]
    for p in corpus.paragraphs:
        assert text[p.start : p.end] == p.text
    assert corpus.documents[0].date == "2025-09-14"
    assert not corpus.paragraphs[0].text.startswith("date")


def test_headings_are_context_not_paragraphs():
    corpus = load_corpus(SEEDS)
    texts = [p.text for p in corpus.paragraphs]
    assert "結語" not in texts
    last = corpus.paragraphs[-1]
    assert last.heading == "結語" and last.text.startswith("俄羅斯遠東地區人口稀少")
    pipeline = next(p for p in corpus.paragraphs if "500億立方公尺" in p.text)
    assert pipeline.heading == "地緣政治經濟軍事結合"


def test_binary_empty_and_other_types_are_reported_by_name(tmp_path):
    (tmp_path / "good.md").write_text("# 標題\n\n第一段。\n\n第二段。\n", encoding="utf-8")
    (tmp_path / "big5.txt").write_bytes("中華民國的首都是臺北。".encode("big5"))
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "empty.txt").write_text("  \n\n ", encoding="utf-8")
    (tmp_path / "archive.zip").write_bytes(b"PK\x03\x04")
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["big5.txt", "good.md"]  # Big5 is decoded, and noted
    assert any("big5.txt: read as" in n for n in corpus.notes)
    assert [p.text for p in corpus.paragraphs] == ["中華民國的首都是臺北。", "第一段。", "第二段。"]
    assert corpus.paragraphs[1].heading == "標題"
    joined = "\n".join(corpus.problems)
    for name, why in [("blob.txt", "binary"), ("empty.txt", "no text"), ("archive.zip", "no reader for .zip")]:
        assert any(name in line and why in line for line in corpus.problems), joined


def test_crlf_and_fullwidth_space_blank_lines(tmp_path):
    raw = "第一段。\r\n\u3000\r\n第二段，\r\n同一段。\r\n"
    (tmp_path / "a.txt").write_bytes(raw.encode("utf-8"))
    corpus = load_corpus(tmp_path)
    assert [p.text for p in corpus.paragraphs] == ["第一段。", "第二段，\r\n同一段。"]
    for p in corpus.paragraphs:
        assert raw[p.start : p.end] == p.text


def test_missing_corpus_folder_says_how_to_fix(tmp_path):
    with pytest.raises(RagError, match="does not exist.*RAG_CORPUS_DIR"):
        load_corpus(tmp_path / "nope")


def test_fingerprint_changes_with_content(tmp_path):
    (tmp_path / "a.txt").write_text("一。", encoding="utf-8")
    before = load_corpus(tmp_path).fingerprint
    (tmp_path / "a.txt").write_text("二。", encoding="utf-8")
    assert load_corpus(tmp_path).fingerprint != before


def test_a_quote_on_the_page_a_paragraph_runs_onto_names_both_pages():
    from rag.types import Citation, Passage

    text = "上一頁開始的句子，在下一頁結束。下一頁的第二句。"
    p = Passage(paragraph_id="a.pdf#p5", doc_id="a.pdf", score=1, text=text, start=100, end=100 + len(text),
                match_start=100, match_end=100 + len(text), rank=1, page=2, page_paragraph=3, page_breaks=[9])  # fmt: skip
    first, second = Citation.quote(1, p, 0, 16), Citation.quote(1, p, 16, len(text))
    assert (first.page, first.location) == (2, "a.pdf p.2 ¶3")
    assert (second.page, second.location, second.start) == (3, "a.pdf p.2–3 ¶3", 116)
    assert p.location == "a.pdf p.2 ¶3" and p.model_dump()["location"] == "a.pdf p.2 ¶3"
