from __future__ import annotations

from rag.citations.rules.lead_shares_question import LeadSharesQuestion
from tests.citations.rules.answers import closeness, said
from tests.citations.rules.evidence import shown

RULE = LeadSharesQuestion()
QUESTION = "約翰福音的作者是誰？"


def test_a_long_lead_with_none_of_the_question_words_or_names_withholds_the_answer():
    where = shown(["雅各書是新約聖經中的一卷書信，傳統上認為由耶穌的兄弟雅各所寫。"], QUESTION)
    sentences = [said("雅各書是新約聖經中的一卷書信，傳統上認為由耶穌的兄弟雅各所寫。", [1])]
    ruling = RULE.judge(sentences, 0, where, closeness(sentences, {}))
    assert ruling is not None and ruling.withhold
    assert ruling.sentences[0].about_question is False and ruling.sentences[0].rule == "lead-shares-question"
    assert sentences[0].about_question is True  # the verdict it was given is not edited


def test_a_lead_with_the_question_words_or_a_short_one_stands():
    where = shown(["約翰福音傳統上認為由使徒約翰所寫。"], QUESTION)
    sentences = [said("約翰福音的作者傳統上認為是耶穌的門徒使徒約翰本人。", [1])]
    assert RULE.judge(sentences, 0, where, closeness(sentences, {})) is None
    short = [said("使徒約翰。", [1])]
    assert RULE.judge(short, 0, where, closeness(short, {})) is None
