"""Extractive answers to questions that need explaining (rag.answer.open_extractive)."""

import re

import pytest

from rag.eval.scoring import repeated_sentences
from rag.text.markers import CITATION

pytestmark = pytest.mark.slow


def _check_citations(answer) -> None:
    by_rank = {p.rank: p for p in answer.passages}
    assert answer.citations
    for c in answer.citations:
        p = by_rank[c.key]
        assert p.text[c.start - p.start : c.end - p.start] == c.text  # the quote is the source's own text
    assert repeated_sentences([c.text for c in answer.citations]) == 0


@pytest.mark.parametrize(
    "question",
    ["這篇文章主要在講什麼？", "这篇文章主要讲了什么？", "Summarise the article about the China-Russia-Mongolia border exercise."],
)
def test_an_overview_is_answered_with_several_cited_sentences(seed_rag, question: str) -> None:
    answer = seed_rag.ask(question)
    assert not answer.abstained
    assert len(answer.citations) >= 3
    _check_citations(answer)
    if question.startswith("Summarise"):
        assert answer.text.startswith("The sources say")


def test_the_sentences_follow_the_documents_order(seed_rag) -> None:
    answer = seed_rag.ask("請總結這篇關於中俄蒙聯合演練的分析。")
    assert not answer.abstained and len(answer.citations) >= 2
    places = [(c.doc_id, c.start) for c in answer.citations]
    assert places == sorted(places)


def test_a_list_is_one_cited_item_a_line(seed_rag) -> None:
    answer = seed_rag.ask("中俄蒙三國的合作有哪些項目？")
    assert not answer.abstained
    items = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(items) >= 2
    assert all(CITATION.search(line) for line in items)
    _check_citations(answer)


def test_lookups_are_still_answered_with_one_or_two_sentences(seed_rag) -> None:
    answer = seed_rag.ask("西伯利亞力量2號管道每年最多可輸送多少天然氣？")
    assert "500億立方公尺" in answer.text
    assert len(answer.citations) <= 2


def test_open_answers_can_be_switched_off(seed_rag) -> None:
    from rag.answer.backends import final_answer
    from rag.answer.extractive import ExtractiveBackend

    question = "中俄蒙三國的合作有哪些項目？"
    passages = seed_rag.retrieve(question)
    settings = seed_rag.settings.changed(**{"open_answers": False})
    off = final_answer(ExtractiveBackend.from_settings(settings, seed_rag.embedder).stream(question, passages))
    on = final_answer(ExtractiveBackend.from_settings(seed_rag.settings, seed_rag.embedder).stream(question, passages))
    assert len(off.citations) <= 2 and not re.search(r"^- ", off.text, re.M)
    assert len(on.citations) > len(off.citations) and re.search(r"^- ", on.text, re.M)


def test_a_models_list_becomes_one_sentence_an_item() -> None:
    from rag.answer.generative import one_item_a_sentence

    assert one_item_a_sentence("- 管道建設 -\n- 戰略平衡 - [1.2]\n\n1. 演練。[2.3]") == "管道建設。戰略平衡。[1.2]演練。[2.3]"
    assert one_item_a_sentence("- pipeline [1.1]\n- drill [2.3]") == "pipeline.[1.1] drill.[2.3]"


def test_found_by_words_alone_a_quote_must_name_what_the_question_asks_about(seed_rag) -> None:
    # Lexical mode ranks as the words-only phase of a new library does (no vectors yet).
    extractive = seed_rag.backend("extractive").answerer
    stranger = "足球運動員趙鵬在中俄蒙聯合演練中做了什麼？"
    passages = seed_rag.retrieve(stranger, mode="lexical")
    assert passages and passages[0].dense_score is None
    assert extractive.answer(stranger, passages).abstained
    key = "西伯利亞力量2號管道每年最多可輸送多少天然氣？"
    assert "500億立方公尺" in extractive.answer(key, seed_rag.retrieve(key, mode="lexical")).text
