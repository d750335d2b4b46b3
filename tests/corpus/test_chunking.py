from __future__ import annotations

import pytest

from rag.corpus.chunking import ParagraphChunker
from rag.corpus.extraction import paragraphs_of
from rag.corpus.readers.text import text_extraction
from rag.text.sentences import sentence_spans
from rag.types import Paragraph


def para(text: str, start: int = 0) -> Paragraph:
    return Paragraph(paragraph_id="d.txt#p1", doc_id="d.txt", number=1, start=start, end=start + len(text), text=text)


SENTENCES = [
    "2025年9月8日至9日，中俄蒙三國邊防部隊在邊境組織聯合演練。",
    "這是三方首次組織邊防部隊參加聯合演練！",
    "演練是否超越反恐主題？",
    "專家認為「答案是肯定的。」",
    "對蒙古國而言，每年可以獲得10億美元的能源過境費收入；這佔其GDP的2-3%。",
]


def test_chunks_end_on_sentence_boundaries_when_one_fits():
    text = "".join(SENTENCES)
    chunker = ParagraphChunker(chunk_size=60, chunk_overlap=0)
    chunks = chunker.split(para(text))
    assert len(chunks) > 1
    ends = {b for _, b in sentence_spans(text)}
    for chunk in chunks:
        assert len(chunk.text) <= 60
        assert chunk.end in ends, f"chunk cut inside a sentence: {chunk.text!r}"


def test_closing_quote_stays_with_its_sentence():
    spans = sentence_spans("專家認為「答案是肯定的。」下一句。")
    assert [s for s in spans] == [(0, 13), (13, 17)]


def test_long_sentence_falls_back_to_commas_but_not_inside_numbers():
    text = (
        "這條耗資4,000億美元的中俄能源合作項目，西伯利亞力量2號管道，"
        "或許會像2022年的北溪管道那樣，不得不被炸毀，似乎更加突出三方聯合演練的必要性。"
    )
    chunks = ParagraphChunker(chunk_size=30, chunk_overlap=0).split(para(text))
    assert len(chunks) > 1
    assert all(not c.text.endswith("4,") for c in chunks)
    assert chunks[0].text.endswith("，")


def test_offsets_map_back_to_the_source_text():
    prefix = "標題\n\n"
    text = "".join(SENTENCES) * 3
    doc = prefix + text
    chunks = ParagraphChunker(chunk_size=50, chunk_overlap=10).split(para(text, start=len(prefix)))
    for chunk in chunks:
        assert doc[chunk.start : chunk.end] == chunk.text
    # together the chunks cover the paragraph
    covered = set()
    for c in chunks:
        covered.update(range(c.start, c.end))
    assert covered == set(range(len(prefix), len(doc)))


def test_short_paragraph_is_one_chunk():
    chunks = ParagraphChunker(240, 40).split(para(SENTENCES[0]))
    assert [c.text for c in chunks] == [SENTENCES[0]]


@pytest.mark.parametrize("size,overlap", [(0, 0), (10, 10), (10, -1)])
def test_bad_chunker_arguments_are_refused(size, overlap):
    with pytest.raises(ValueError, match="chunk_"):
        ParagraphChunker(size, overlap)


def test_seed_article_chunks_round_trip(tmp_path):
    from tests.conftest import SEED_DOC, SEEDS

    text = (SEEDS / SEED_DOC).read_text(encoding="utf-8")
    chunks = ParagraphChunker(120, 20).split_all(paragraphs_of(SEED_DOC, text_extraction(text)))
    assert len(chunks) > 14
    for c in chunks:
        assert text[c.start : c.end] == c.text
