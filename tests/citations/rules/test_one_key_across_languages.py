from __future__ import annotations

from rag.citations.rules.one_key_across_languages import OneKeyAcrossLanguages
from tests.citations.rules.evidence import claim, shown

RULE = OneKeyAcrossLanguages()
SOURCES = ["中俄蒙三國舉行聯合演練。", "演練在蒙古國東部舉行。"]


def test_an_english_claim_keeps_only_its_strongest_chinese_source():
    where = shown(SOURCES)
    choice = RULE.choose(claim("The three countries held a joint drill.", [1, 2], where, [0.82, 0.86]), where, [1, 2], [1, 2])
    assert choice is not None and choice.keys == [2]


def test_one_key_or_one_language_is_left_alone():
    where = shown(SOURCES)
    assert RULE.choose(claim("The countries held a drill.", [1], where, [0.9, 0.8]), where, [1, 2], [1]) is None
    assert RULE.choose(claim("三國舉行聯合演練。", [1, 2], where), where, [1, 2], [1, 2]) is None
