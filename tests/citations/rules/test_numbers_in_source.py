from __future__ import annotations

from rag.citations.rules.numbers_in_source import NumbersInSource
from tests.citations.rules.evidence import claim, shown

RULE = NumbersInSource()


def test_a_number_the_source_lacks_is_an_objection_and_one_it_has_by_value_is_not():
    where = shown(["蒙古國每年可以獲得10億美元的過境費。"])
    assert RULE.objection(claim("蒙古國每年獲得20億美元。", [1], where), 0, where) == "number(s) 2,000,000,000 not in [1]"
    assert RULE.objection(claim("Mongolia earns 1 billion dollars a year.", [1], where), 0, where) is None
