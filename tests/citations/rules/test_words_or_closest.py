from __future__ import annotations

from rag.citations.rules.words_or_closest import WordsOrClosest
from tests.citations.rules.evidence import claim, shown

RULE = WordsOrClosest()
SOURCES = ["俄羅斯每年最多可向中國輸送500億立方公尺天然氣。", "蒙古國每年可以獲得10億美元的過境費。"]


def test_a_source_with_most_of_the_words_backs_the_claim():
    where = shown(SOURCES)
    c = claim("每年最多可向中國輸送天然氣。", [1], where)
    assert RULE.applies(c, 0, where) and RULE.objection(c, 0, where) is None
    assert "does not say this" in (RULE.objection(c, 1, where) or "")


def test_similarity_alone_backs_only_the_closest_source():
    where = shown(SOURCES)
    worded_apart = "管線的年輸量很大。"
    assert RULE.objection(claim(worded_apart, [1], where, [0.90, 0.80]), 0, where) is None
    assert RULE.objection(claim(worded_apart, [1], where, [0.90, 0.95]), 0, where) is not None  # another is closer
    assert RULE.objection(claim(worded_apart, [1], where, [0.85, 0.10]), 0, where) is not None  # not close enough


def test_it_does_not_apply_across_languages():
    where = shown(SOURCES)
    assert not RULE.applies(claim("Russia ships gas to China.", [1], where), 0, where)
