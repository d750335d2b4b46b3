from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import Choice, KeyRule, moved


class BestPassingSource(KeyRule):
    """A claim none of whose cited sources backs it (or that cites none) goes to a shown source
    that does: within one language the one with most of its words (strength alone would mix
    bigram shares with cosines and pick a paragraph about another event of the same year),
    then the strongest."""

    name = "best-passing-source"

    def choose(self, claim: Claim, shown: Shown, passing: list[int], kept: list[int]) -> Choice | None:
        if kept or not passing:
            return None
        ranks = {
            s.key: (claim.overlap[j] if claim.same_language(s) else 0.0, claim.strength(j, s))
            for j, s in enumerate(shown.sources)
            if s.key in passing
        }
        best = max(passing, key=ranks.__getitem__)
        return Choice([best], moved(claim.cited, best))
