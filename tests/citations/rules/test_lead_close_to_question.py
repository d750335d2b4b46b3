from __future__ import annotations

from rag.citations.rules.lead_close_to_question import LeadCloseToQuestion
from tests.citations.rules.answers import closeness, said
from tests.citations.rules.evidence import shown

RULE = LeadCloseToQuestion()
LEAD = "二十世紀初期，蘇利南的鋁土礦開採成為其經濟的主要支柱產業。"


def test_a_long_lead_far_from_the_question_withholds_the_answer():
    where = shown([LEAD], "歐洲人最早在什麼時候到達蘇利南？")
    sentences = [said(LEAD, [1])]
    ruling = RULE.judge(sentences, 0, where, closeness(sentences, {LEAD: 0.84}))
    assert ruling is not None and ruling.withhold and "too far from it (0.84 < 0.86)" in ruling.sentences[0].reason


def test_a_close_or_short_lead_stands_and_a_short_one_is_not_encoded():
    where = shown([LEAD], "歐洲人最早在什麼時候到達蘇利南？")
    sentences = [said(LEAD, [1])]
    assert RULE.judge(sentences, 0, where, closeness(sentences, {LEAD: 0.88})) is None
    short = [said("1499年。", [1])]
    near = closeness(short, {})
    assert RULE.judge(short, 0, where, near) is None and near.calls == []  # type: ignore[attr-defined]
