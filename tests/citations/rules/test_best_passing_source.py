from __future__ import annotations

from rag.citations.rules.best_passing_source import BestPassingSource
from tests.citations.rules.evidence import claim, shown

RULE = BestPassingSource()
SOURCES = ["1985年，另一位演員獲頒金球獎。", "1985年，史都華獲頒奧斯卡終身成就獎。"]


def test_an_uncited_or_miscited_claim_goes_to_the_passing_source_with_most_of_its_words():
    where = shown(SOURCES)
    c = claim("史都華於1985年獲頒奧斯卡終身成就獎。", [], where, [0.95, 0.88])
    choice = RULE.choose(c, where, [1, 2], [])
    assert choice is not None and choice.keys == [2] and choice.reason == "citation [2] added"
    choice = RULE.choose(claim("史都華於1985年獲頒奧斯卡終身成就獎。", [3], where), where, [2], [])
    assert choice is not None and choice.reason == "re-pointed from [3] to [2]"


def test_kept_keys_or_no_passing_source_leave_it_alone():
    where = shown(SOURCES)
    c = claim("史都華獲獎。", [2], where)
    assert RULE.choose(c, where, [2], [2]) is None and RULE.choose(c, where, [], []) is None
