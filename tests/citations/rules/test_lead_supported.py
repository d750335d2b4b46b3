from __future__ import annotations

from rag.citations.rules.lead_supported import LeadSupported
from tests.citations.rules.answers import closeness, said
from tests.citations.rules.evidence import shown

RULE = LeadSupported()


def test_an_answer_whose_lead_no_source_backs_is_withheld():
    where = shown(["俄羅斯向中國輸送天然氣。"])
    sentences = [said("北溪管道被中俄兩國炸毀。", [1], supported=False), said("俄羅斯向中國輸送天然氣。", [1])]
    ruling = RULE.judge(sentences, 0, where, closeness(sentences, {}))
    assert ruling is not None and ruling.withhold
    assert RULE.judge(sentences[::-1], 0, where, closeness(sentences[::-1], {})) is None
