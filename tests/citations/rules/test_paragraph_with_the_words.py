from __future__ import annotations

from rag.citations.rules.paragraph_with_the_words import ParagraphWithTheWords
from tests.citations.rules.evidence import claim, shown

RULE = ParagraphWithTheWords()
SOURCES = ["史都華是美國演員，曾多次獲得提名。", "1985年，史都華獲頒奧斯卡終身成就獎。"]


def test_a_source_with_far_more_of_the_words_takes_the_citation():
    where = shown(SOURCES)
    choice = RULE.choose(claim("史都華於1985年獲頒奧斯卡終身成就獎。", [1], where), where, [1, 2], [1])
    assert choice is not None and choice.keys == [2] and "which has the sentence's words" in choice.reason


def test_the_cited_source_stays_when_it_holds_the_words_or_the_claim_is_english():
    where = shown(SOURCES)
    assert RULE.choose(claim("1985年史都華獲頒奧斯卡終身成就獎。", [2], where), where, [1, 2], [2]) is None
    assert RULE.choose(claim("Stewart won an honorary Oscar in 1985.", [1], where), where, [1, 2], [1]) is None
