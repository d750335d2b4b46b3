from __future__ import annotations

from rag.citations.evidence import Shown
from rag.citations.rules.base import AnswerRule, Closeness, Ruling
from rag.types import SentenceSupport


class OffQuestionSentences(AnswerRule):
    """A supported sentence after the lead, backed only by other sources than the lead's and
    much further from the question than the lead, is left out of the answer: small models
    append copies of unrelated retrieved paragraphs. On-topic sentences citing the lead's
    source can be as far, hence the rule looks at the sources too."""

    name = "off-question-sentences"

    def judge(self, sentences: list[SentenceSupport], lead: int, shown: Shown, closeness: Closeness) -> Ruling | None:
        if not shown.question.text or not closeness.candidates:
            return None
        bar = closeness.lead() - self.thresholds.off_question_gap
        out = list(sentences)
        for i in closeness.candidates:
            score = closeness.of(i)
            if score < bar:
                s = sentences[i]
                reason = f"left out: further from the question than the first sentence ({score:.2f} against {closeness.lead():.2f}), "
                out[i] = s.model_copy(
                    update={"about_question": False, "reason": reason + f"and backed only by {s.keys}", "rule": self.name}
                )
        return Ruling(out) if out != sentences else None
