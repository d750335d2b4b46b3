from __future__ import annotations

from rag.citations.evidence import Shown, content_of
from rag.citations.rules.base import AnswerRule, Closeness, Ruling
from rag.types import SentenceSupport


class LeadCloseToQuestion(AnswerRule):
    """A long lead that e5 puts far from the question does not answer it (a sentence on
    20th-century mining, asked when Europeans first arrived): the answer is withheld. Short
    leads ("1960年") carry too few words to judge."""

    name = "lead-close-to-question"

    def judge(self, sentences: list[SentenceSupport], lead: int, shown: Shown, closeness: Closeness) -> Ruling | None:
        t = self.thresholds
        if not shown.question.text or len(content_of(sentences[lead].text)) < t.long_lead_chars:
            return None
        score = closeness.lead()
        if score >= t.min_lead_closeness:
            return None
        reason = f"does not answer the question: too far from it ({score:.2f} < {t.min_lead_closeness})"
        out = list(sentences)
        out[lead] = sentences[lead].model_copy(update={"about_question": False, "reason": reason, "rule": self.name})
        return Ruling(out, withhold=True)
