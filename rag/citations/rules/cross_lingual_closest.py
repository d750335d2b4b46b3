from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import SourceRule
from rag.citations.rules.words_or_closest import does_not_say


class CrossLingualClosest(SourceRule):
    """Across languages bigrams cannot match and e5 rates related paragraphs nearly alike, so a
    source says the claim only when it is close, the closest, and one of its sentences is
    close too (a cross-lingual quote). A claim stating a large number the source has (checked
    by numbers-in-source) is anchored and needs less similarity."""

    name = "cross-lingual-closest"
    evidence = True

    def applies(self, claim: Claim, j: int, shown: Shown) -> bool:
        return not claim.same_language(shown.sources[j])

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        t, similarity = self.thresholds, float(claim.similarity[j])
        anchored = any(v >= t.anchor_number for v in claim.numbers)
        bar = t.min_similarity_cross_anchored if anchored else t.min_similarity_cross
        if similarity >= bar and similarity >= claim.best - t.closest_margin and float(claim.quotes[j]) >= t.min_sentence_similarity_cross:
            return None
        return does_not_say(claim, j, shown)
