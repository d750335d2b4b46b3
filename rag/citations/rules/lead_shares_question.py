from __future__ import annotations

from rag.citations.evidence import Shown, content_of
from rag.citations.rules.base import AnswerRule, Closeness, Ruling
from rag.text.language import bigrams, normalize_for_matching
from rag.text.names import name_in
from rag.types import SentenceSupport


class LeadSharesQuestion(AnswerRule):
    """A long lead that has almost none of the question's words and none of its names does not
    answer it, however close e5 puts it: a model asked who wrote one gospel copied a
    paragraph about another book. The answer is withheld."""

    name = "lead-shares-question"

    def judge(self, sentences: list[SentenceSupport], lead: int, shown: Shown, closeness: Closeness) -> Ruling | None:
        t, asked, text = self.thresholds, shown.question.grams, sentences[lead].text
        if not shown.question.text or len(content_of(text)) < t.long_lead_chars or not asked:
            return None
        share = len(bigrams(text) & asked) / len(asked)
        matched = normalize_for_matching(text)
        if share >= t.min_lead_question_share or any(name_in(n, matched) for n in shown.question.names):
            return None
        reason = f"does not answer the question: has {share:.2f} of its words and none of its names"
        out = list(sentences)
        out[lead] = sentences[lead].model_copy(update={"about_question": False, "reason": reason, "rule": self.name})
        return Ruling(out, withhold=True)
