"""When a withheld answer may give way to a quote of the clear match (rag.citations.clear_match)."""

from __future__ import annotations

import pytest

from rag.citations.clear_match import may_quote_instead
from rag.types import Passage, SentenceSupport

WRONG = [SentenceSupport(text="三權是司法、行政、立法三權。", cited=[1], supported=False, reason="'立法三權' not in [1]")]


def passages(lead: float, top_text: str = "三權分立即立法、行政、司法三種國家權力分別由三種不同職能的國家機關行使。") -> list[Passage]:
    def one(n: int, score: float, text: str = "別的段落。") -> Passage:
        return Passage(
            paragraph_id=f"d{n}.txt#p1", doc_id=f"d{n}.txt", score=score, text=text, start=0, end=1, match_start=0, match_end=1,
            rank=n, dense_score=0.9, lexical_score=3.0,
        )  # fmt: skip

    return [one(1, 1.0 + lead, top_text), one(2, 1.0), one(3, 0.5)]


def test_a_withheld_answer_over_a_clear_match_may_be_quoted_instead():
    found = passages(1.2)
    assert may_quote_instead("zh-Hant", "司法、行政、立法三權。 [1.3]", WRONG, found, found, 0.75)
    assert may_quote_instead("zh-Hans", "司法、行政、立法三权。 [1.3]", WRONG, found, found[:1], 0.75)


@pytest.mark.parametrize(
    "language, text, withheld, lead, shown_from, margin",
    [
        ("zh-Hant", "司法、行政、立法三權。", WRONG, 0.5, 0, 0.75),  # no clear match
        ("zh-Hant", "司法、行政、立法三權。", WRONG, 1.2, 0, None),  # lead measured on another fusion
        ("en", "Legislative, executive and judicial.", WRONG, 1.2, 0, 0.75),  # lead found across languages
        ("zh-Hant", "資料中找不到這個問題的答案。", [], 1.2, 0, 0.75),  # the model refused: nothing withheld
        ("zh-Hant", "資料中沒有提到第三權。", [SentenceSupport(text="資料中沒有提到第三權。", supported=False)], 1.2, 0, 0.75),
        ("zh-Hant", "司法、行政、立法三權。", WRONG, 1.2, 1, 0.75),  # the model was not shown the top passage
    ],
)
def test_no_quote_without_a_clear_match_an_attempted_answer_or_a_chinese_question(language, text, withheld, lead, shown_from, margin):
    found = passages(lead)
    assert not may_quote_instead(language, text, withheld, found, found[shown_from:], margin)


def test_a_refusal_in_the_text_or_in_any_sentence_is_not_quoted_over():
    found = passages(1.2)
    refusal = [SentenceSupport(text="無法從資料中得知第三權。", cited=[1], supported=False)]
    assert not may_quote_instead("zh-Hant", "司法、行政。無法從資料中得知第三權。", WRONG, found, found, 0.75)
    assert not may_quote_instead("zh-Hant", "司法、行政、立法三權。", WRONG + refusal, found, found, 0.75)


def test_an_answer_that_does_not_cite_the_clear_match_is_not_quoted_over():
    """Garbage, or an answer pointing elsewhere: the model did not fail to say the clear match."""
    found = passages(1.2)
    elsewhere = [s.model_copy(update={"cited": [2]}) for s in WRONG]
    garbage = [SentenceSupport(text="lorem ipsum 9999999", cited=[7, 42], supported=False)]
    assert not may_quote_instead("zh-Hant", "司法、行政、立法三權。 [2.1]", elsewhere, found, found, 0.75)
    assert not may_quote_instead("zh-Hant", "lorem ipsum 9999999 [7][42]", garbage, found, found, 0.75)


def test_a_chinese_question_over_an_english_passage_is_not_quoted():
    found = passages(1.2, top_text="The separation of powers divides the state into legislative, executive and judicial branches.")
    assert not may_quote_instead("zh-Hant", "司法、行政、立法三權。", WRONG, found, found, 0.75)
