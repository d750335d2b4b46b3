from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import SourceRule


def does_not_say(claim: Claim, j: int, shown: Shown) -> str:
    return f"[{shown.sources[j].key}] does not say this (overlap {claim.overlap[j]:.2f}, similarity {float(claim.similarity[j]):.2f})"


class WordsOrClosest(SourceRule):
    """Within one language (Traditional and Simplified folded), a source says the claim when it
    holds most of its character bigrams, or when e5 puts it close *and* no other source that
    has the claim's numbers is closer: five paragraphs of one article can all score alike
    against a claim, and similar is not the source."""

    name = "words-or-closest"
    evidence = True

    def applies(self, claim: Claim, j: int, shown: Shown) -> bool:
        return claim.same_language(shown.sources[j])

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        t, similarity = self.thresholds, float(claim.similarity[j])
        if claim.overlap[j] >= t.min_overlap or (similarity >= t.min_similarity and similarity >= claim.best - t.closest_margin):
            return None
        return does_not_say(claim, j, shown)
