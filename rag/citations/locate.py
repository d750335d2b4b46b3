"""Point a citation at the sentence of its paragraph that best matches the claim."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rag.settings.citations import CitationThresholds
from rag.text.language import bigrams
from rag.text.numbers import number_values, unsupported_numbers
from rag.text.sentences import sentence_spans
from rag.types import Citation, Passage


def _weight(value: float) -> float:
    # A large amount (500億) says more about which sentence is meant than a small number,
    # which may be a date or part of a name ("Power of Siberia 2").
    return 1.0 + math.log10(max(abs(value), 1.0))


def citation_for(
    sentence: str, passage: Passage, pointed: Sequence[str] = (), pointed_share: float = CitationThresholds().pointed_share
) -> Citation:
    """The paragraph sentence that holds most of the claim's numbers (by value, across
    languages and scripts, large amounts weighing most), then most of its bigrams. With
    ``pointed`` (the sentences the model's keys pointed at, [2.3]), the best of those, unless
    it says the claim clearly less well than another sentence of the paragraph: under
    ``pointed_share`` of the best one's score (CitationThresholds.pointed_share)."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    grams = bigrams(sentence)
    wanted = number_values(sentence)
    total = sum(_weight(v) for v in wanted)

    def score(span: tuple[int, int]) -> float:
        piece = passage.text[span[0] : span[1]]
        held = sum(_weight(v) for v in wanted - unsupported_numbers(sentence, piece))
        numbers = 0.5 * held / total if total else 0.5
        return numbers + (len(grams & bigrams(piece)) / len(grams) if grams else 0.0)

    best = max(spans, key=score)
    found = [(i, i + len(text)) for text in pointed if text and (i := passage.text.find(text)) >= 0]
    if found:
        chosen = max(found, key=score)
        if score(chosen) >= pointed_share * score(best):
            best = chosen
    return Citation.quote(passage.rank, passage, *best)
