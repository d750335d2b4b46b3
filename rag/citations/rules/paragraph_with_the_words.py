from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import Choice, KeyRule


class ParagraphWithTheWords(KeyRule):
    """Within one language, a shown source holding far more of the claim's words than the
    cited one takes the citation: a same-topic paragraph passes on similarity or a bare
    majority of bigrams while another one holds the sentence nearly whole."""

    name = "paragraph-with-the-words"

    def choose(self, claim: Claim, shown: Shown, passing: list[int], kept: list[int]) -> Choice | None:
        if not kept or not claim.same_language(shown.source(kept[0])):
            return None
        overlap = {s.key: claim.overlap[j] for j, s in enumerate(shown.sources)}
        best = max(passing, key=lambda k: overlap[k])
        t = self.thresholds
        if best in kept or overlap[best] < t.min_overlap or overlap[best] - max(overlap[k] for k in kept) < t.words_margin:
            return None
        return Choice([best], f"re-pointed from {list(claim.cited)} to [{best}], which has the sentence's words")
