"""Property tests (hypothesis): the chunker, the citation parser and the question
loaders hold their promises on arbitrary input, not only on the examples we thought of."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rag.citations.claims import split_cited_sentences
from rag.corpus.chunking import ParagraphChunker
from rag.corpus.extraction import paragraphs_of
from rag.corpus.readers.text import text_extraction
from rag.eval.scoring import load_questions
from tests.corpus.test_chunking import para

CJK_TEXT = st.text(
    alphabet=st.sampled_from(list("中俄蒙三國邊防部隊演練管道天然氣每年億美元的一是在了，。！？；、：「」（）") + list("abc 12,.")),
    min_size=1,
    max_size=600,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=CJK_TEXT, size=st.integers(20, 200), overlap_share=st.floats(0, 0.45), offset=st.integers(0, 5000))
@example(text="1" * 21, size=20, overlap_share=0.0, offset=0)  # a repeated run was once found inside the chunk before
def test_chunk_offsets_map_back_and_cover_the_paragraph(text, size, overlap_share, offset):
    text = text.strip() or "空"
    chunker = ParagraphChunker(chunk_size=size, chunk_overlap=int(size * overlap_share))
    source = "x" * offset + text
    chunks = chunker.split(para(text, start=offset))
    assert chunks
    covered = [False] * len(text)
    previous_end = offset
    for chunk in chunks:
        assert source[chunk.start : chunk.end] == chunk.text  # offsets index the file exactly
        assert len(chunk.text) <= size
        # Overlap only reaches back within the configured overlap: nothing else duplicated.
        assert previous_end - chunk.start <= chunker.chunk_overlap
        previous_end = max(previous_end, chunk.end)
        for i in range(chunk.start - offset, chunk.end - offset):
            covered[i] = True
    lost = "".join(ch for ch, seen in zip(text, covered, strict=True) if not seen)
    assert not lost.strip(), f"text lost between chunks: {lost!r}"


@settings(max_examples=100, deadline=None)
@given(blocks=st.lists(CJK_TEXT, min_size=1, max_size=6))
def test_paragraph_offsets_round_trip_on_any_document(blocks):
    text = "\n\n".join(blocks)
    for p in paragraphs_of("d.txt", text_extraction(text)):
        assert text[p.start : p.end] == p.text
        assert p.text.strip() == p.text and p.text


SENTENCE = st.text(alphabet=st.sampled_from(list("管道每年輸送天然氣億美元abc 12")), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(st.tuples(SENTENCE, st.lists(st.integers(1, 20), max_size=3)), min_size=1, max_size=6))
def test_citation_parser_keeps_every_key_and_no_marker_text(parts):
    answer = "".join(s + "。" + "".join(f"[{k}]" for k in keys) for s, keys in parts)
    parsed = split_cited_sentences(answer)
    written = {k for _, keys in parts for k in keys}
    found = {k for _, keys in parsed for k in keys}
    assert found == written
    for sentence, _ in parsed:
        assert "[" not in sentence and "]" not in sentence


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=200))
def test_citation_parser_never_crashes_and_keys_are_numbers(text):
    for sentence, keys in split_cited_sentences(text):
        assert isinstance(sentence, str)
        assert all(isinstance(k, int) for k in keys)


QUESTION = st.fixed_dictionaries(
    {"question": st.text(min_size=1, max_size=40).filter(lambda s: s.strip())},
    optional={
        "answers": st.lists(st.text(min_size=1, max_size=10), max_size=3),
        "gold_text": st.lists(st.text(min_size=1, max_size=10), max_size=2),
        "gold_paragraphs": st.lists(st.text(min_size=1, max_size=10), max_size=2),
        "unanswerable": st.booleans(),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(QUESTION, min_size=1, max_size=8))
def test_jsonl_loader_reads_back_what_was_written(tmp_path, rows):
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    loaded = load_questions(path)
    assert [q.question for q in loaded] == [r["question"] for r in rows]
    for q, r in zip(loaded, rows, strict=True):
        assert q.answers == r.get("answers", [])
        assert q.unanswerable == r.get("unanswerable", False)
