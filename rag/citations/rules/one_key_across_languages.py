from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import Choice, KeyRule


class OneKeyAcrossLanguages(KeyRule):
    """A claim in another language than the sources it cites keeps only the one that backs it
    best: across languages the evidence is similarity alone, and e5 rates related paragraphs
    nearly alike, so a second key is most often a neighbour."""

    name = "one-key-across-languages"

    def choose(self, claim: Claim, shown: Shown, passing: list[int], kept: list[int]) -> Choice | None:
        if len(kept) <= 1 or claim.language == shown.source(kept[0]).language:
            return None
        strength = {k: claim.strength(j, s) for j, s in enumerate(shown.sources) if (k := s.key) in kept}
        return Choice([max(kept, key=strength.__getitem__)], "")
