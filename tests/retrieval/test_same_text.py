"""The same article kept twice (as .txt and as .pdf): retrieval shows each paragraph once,
so no answer quotes the same sentence twice (issue 42)."""

from __future__ import annotations

import shutil

import pytest

from rag.text.language import bigrams
from tests.conftest import SEEDS, make_settings

pytestmark = pytest.mark.slow
QUESTION = "蒙古國每年可以獲得多少能源過境費收入？"


@pytest.fixture(scope="module")
def twice(tmp_path_factory, seed_pdf):
    from rag.pipeline import RAG

    tmp = tmp_path_factory.mktemp("twice")
    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    shutil.copy(seed_pdf, corpus / "article.pdf")
    rag = RAG(make_settings(tmp, corpus))
    rag.ensure_index()
    return rag


def _overlap(a: str, b: str) -> float:
    x, y = bigrams(a), bigrams(b)
    return len(x & y) / max(1, len(x | y))


@pytest.mark.parametrize("k", [5, 10])
def test_each_paragraph_is_found_once_whichever_file_holds_it(twice, k):
    passages = twice.retrieve(QUESTION, k)
    assert len(passages) == k  # repeats skipped, the list still filled
    for i, a in enumerate(passages):
        for b in passages[i + 1 :]:
            assert _overlap(a.text, b.text) < 0.9, (a.paragraph_id, b.paragraph_id)


def test_the_answer_quotes_no_sentence_twice(twice):
    answer = twice.ask(QUESTION, model="extractive")
    assert "10億美元" in answer.text
    quoted = [c.text for c in answer.citations]
    assert len(quoted) == len(set(quoted)), answer.text
