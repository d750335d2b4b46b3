from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import ClaimRule
from rag.text.names import as_written
from rag.types import SentenceSupport


class SubjectInNoSource(ClaimRule):
    """A claim that repeats what the question asks about ("螭頭"), when no shown source names
    it, is unsupported whatever its words match: the sources do not cover the question's
    subject, and a restated question glued to a copied paragraph must not pass."""

    name = "subject-in-no-source"

    def decide(self, claim: Claim, shown: Shown) -> SentenceSupport | None:
        absent = [n for n in shown.unsourced if n in claim.matched]
        if not absent:
            return None
        reason = f"'{as_written(absent[0], shown.question.text)}', which the question asks about, is in none of the sources"
        return SentenceSupport(text=claim.text, cited=list(claim.cited), keys=[], supported=False, reason=reason, rule=self.name)
