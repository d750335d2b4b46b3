from __future__ import annotations

from rag.citations.rules.off_question_sentences import OffQuestionSentences
from tests.citations.rules.answers import closeness, said
from tests.citations.rules.evidence import shown

RULE = OffQuestionSentences()
LEAD, SAME, STRAY = "秦嶺是中國南北的分界線。", "秦嶺以南屬亞熱帶。", "黃河是中國第二長河。"


def test_a_later_sentence_far_from_the_question_and_backed_only_elsewhere_is_left_out():
    where = shown(["秦嶺是中國南北的分界線，以南屬亞熱帶。", "黃河是中國第二長河。"], "秦嶺有什麼地理意義？")
    sentences = [said(LEAD, [1]), said(SAME, [1]), said(STRAY, [2])]
    near = closeness(sentences, {LEAD: 0.90, STRAY: 0.80})
    ruling = RULE.judge(sentences, 0, where, near)
    assert ruling is not None and not ruling.withhold
    assert [s.about_question for s in ruling.sentences] == [True, True, False]
    assert "backed only by [2]" in ruling.sentences[2].reason
    assert near.calls == [[LEAD, STRAY]]  # type: ignore[attr-defined]  # the lead's own source is not asked


def test_a_sentence_about_as_close_as_the_lead_stays():
    where = shown(["秦嶺是中國南北的分界線。", "黃河是中國第二長河。"], "秦嶺有什麼地理意義？")
    sentences = [said(LEAD, [1]), said(STRAY, [2])]
    assert RULE.judge(sentences, 0, where, closeness(sentences, {LEAD: 0.90, STRAY: 0.87})) is None
