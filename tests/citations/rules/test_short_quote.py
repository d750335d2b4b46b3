from __future__ import annotations

from rag.citations.rules.short_quote import ShortQuote
from tests.citations.rules.evidence import claim, shown

RULE = ShortQuote()


def test_a_short_answer_is_quoted_from_the_source_most_about_the_question():
    where = shown(["日本的首都是東京。", "猶太教是一神教，起源於古代以色列。"], "以色列古代的一神教是什麼？")
    verdict = RULE.decide(claim("猶太教。", [1], where), where)
    assert verdict is not None and verdict.supported and verdict.keys == [2] and verdict.rule == "short-quote"
    assert "re-pointed from [1] to [2]" in verdict.reason


def test_a_short_answer_found_nowhere_stays_unchecked_and_long_ones_are_not_its_business():
    where = shown(["日本的首都是東京。"])
    verdict = RULE.decide(claim("佛教。", [1], where), where)
    assert verdict is not None and verdict.supported is None and verdict.keys == []
    assert RULE.decide(claim("日本的首都是東京。", [1], where), where) is None


def test_a_bare_number_is_quoted_by_value_in_any_language():
    where = shown(["He was 22 when he won."])
    verdict = RULE.decide(claim("22", [], where), where)
    assert verdict is not None and verdict.keys == [1] and "added" in verdict.reason
