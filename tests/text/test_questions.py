from __future__ import annotations

import pytest

from rag.errors import RagError
from rag.text.language import bigrams, detect_language
from rag.text.questions import check_k, clean_question


@pytest.mark.parametrize("q", ["", "   ", "\n\t", "\x00\x1b"])
def test_empty_questions_are_refused_with_an_example(q):
    with pytest.raises(RagError, match="empty.*e.g."):
        clean_question(q, 100)


def test_huge_question_is_refused_with_the_limit():
    with pytest.raises(RagError, match="100,000 characters long; the limit is 2,000"):
        clean_question("問" * 100_000, 2000)


def test_non_text_question_is_refused():
    with pytest.raises(RagError, match="must be text"):
        clean_question(None, 100)


def test_control_characters_are_dropped():
    assert clean_question(" 蒙古\x00國？ ", 100) == "蒙古國？"


@pytest.mark.parametrize("k", [0, -1, 101, True, 2.5])
def test_k_out_of_range(k):
    with pytest.raises(RagError, match="k must be"):
        check_k(k)


@pytest.mark.parametrize(
    "text,lang", [("蒙古國的外交政策是什麼？", "zh-Hant"), ("蒙古国的外交政策是什么？", "zh-Hans"), ("What is it?", "en")]
)
def test_detect_language(text, lang):
    assert detect_language(text) == lang


def test_traditional_and_simplified_share_bigrams():
    assert bigrams("西伯利亞力量2號管道") == bigrams("西伯利亚力量2号管道")
