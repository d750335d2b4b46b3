from __future__ import annotations

from rag.citations.rules.restates_question import RestatesQuestion
from tests.citations.rules.evidence import claim, shown

RULE = RestatesQuestion()
QUESTION = "入侵物種在哪兩種情況之下可能進化出優勢？"


def test_a_list_introduction_that_repeats_the_question_goes_unchecked():
    where = shown(["入侵物種常在缺少天敵時擴散。"], QUESTION)
    verdict = RULE.decide(claim("入侵物種可能在兩種情況之下進化出優勢：", [], where), where)
    assert verdict is not None and verdict.supported is None and verdict.reason == "restates the question"


def test_a_claim_without_the_colon_or_with_its_own_words_is_checked():
    where = shown(["入侵物種常在缺少天敵時擴散。"], QUESTION)
    assert RULE.decide(claim("入侵物種可能在兩種情況之下進化出優勢。", [], where), where) is None
    assert RULE.decide(claim("天敵缺少與氣候溫暖是原因：", [], where), where) is None
