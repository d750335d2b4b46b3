from __future__ import annotations

from rag.citations.rules.cross_lingual_closest import CrossLingualClosest
from tests.citations.rules.evidence import claim, shown

RULE = CrossLingualClosest()
SOURCES = ["中俄蒙三國於2025年9月8日舉行聯合演練。", "蒙古國每年可以獲得10億美元的過境費。"]


def test_a_close_closest_source_with_a_close_sentence_backs_an_english_claim():
    where = shown(SOURCES)
    c = claim("The three countries held a joint drill.", [1], where, [0.84, 0.79], [0.83, 0.7])
    assert RULE.applies(c, 0, where) and RULE.objection(c, 0, where) is None


def test_no_sentence_close_enough_or_a_closer_source_is_an_objection():
    where = shown(SOURCES)
    assert RULE.objection(claim("This aligns with the drills.", [1], where, [0.84, 0.5], [0.81, 0.5]), 0, where) is not None
    assert RULE.objection(claim("The countries held a joint drill.", [1], where, [0.84, 0.86], [0.9, 0.9]), 0, where) is not None


def test_a_large_number_the_source_has_lowers_the_bar():
    where = shown(SOURCES)
    anchored = claim("Mongolia earns 1 billion dollars a year in fees.", [2], where, [0.3, 0.77], [0.5, 0.9])
    plain = claim("Mongolia earns transit fees every year.", [2], where, [0.3, 0.77], [0.5, 0.9])
    assert RULE.objection(anchored, 1, where) is None and RULE.objection(plain, 1, where) is not None
    assert not RULE.applies(claim("蒙古國每年獲得過境費。", [2], where), 1, where)
