"""Point a citation at the sentence of its paragraph that best matches the claim."""

from __future__ import annotations

from rag.text.language import bigrams
from rag.text.numbers import unsupported_numbers
from rag.text.sentences import sentence_spans
from rag.types import Citation, Passage


def citation_for(sentence: str, passage: Passage) -> Citation:
    """The paragraph sentence with most of the claim's bigrams, those holding its numbers first."""
    spans = sentence_spans(passage.text) or [(0, len(passage.text))]
    grams = bigrams(sentence)

    def score(span: tuple[int, int]) -> float:
        piece = passage.text[span[0] : span[1]]
        numbers = 0.0 if unsupported_numbers(sentence, piece) else 0.5
        return numbers + (len(grams & bigrams(piece)) / len(grams) if grams else 0.0)

    a, b = max(spans, key=score)
    return Citation.quote(passage.rank, passage, a, b)
