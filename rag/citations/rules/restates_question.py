from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import ClaimRule
from rag.types import SentenceSupport


class RestatesQuestion(ClaimRule):
    """A claim ending in a colon that is mostly the question's own words ("入侵物種可能在兩種
    情況之下進化出優勢：") introduces the list that follows: its "兩種" is the asker's, not a
    claim the sources must hold. The list items are the claims; this one goes unchecked."""

    name = "restates-question"

    def decide(self, claim: Claim, shown: Shown) -> SentenceSupport | None:
        grams, asked = claim.grams, shown.question.grams
        if not claim.text.endswith(("：", ":")) or not grams or len(grams & asked) / len(grams) < self.thresholds.min_restatement:
            return None
        return SentenceSupport(
            text=claim.text, cited=list(claim.cited), keys=[], supported=None, reason="restates the question", rule=self.name
        )
