"""Hand-built claims and sources for the rule tests: real text, chosen similarities."""

from __future__ import annotations

import dataclasses

import numpy as np

from rag.citations.evidence import Claim, Shown, claims_for, shown_for
from rag.settings.citations import CitationThresholds
from rag.types import Passage

T = CitationThresholds()


class _Zero:
    def encode_queries(self, texts):
        return np.zeros((len(texts), 4), np.float32)

    def encode_passages(self, texts):
        return np.zeros((len(texts), 4), np.float32)


def passage(text: str, rank: int) -> Passage:
    return Passage(paragraph_id=f"d#p{rank}", doc_id="d", score=1, text=text, start=0, end=len(text), match_start=0, match_end=1, rank=rank)


def shown(sources: list[str], question: str = "") -> Shown:
    return shown_for(question, [passage(text, rank) for rank, text in enumerate(sources, 1)], T)


def claim(text: str, cited: list[int], where: Shown, similarity: list[float] | None = None, quotes: list[float] | None = None) -> Claim:
    """``text`` as a claim citing ``cited``, with e5 similarities to each source as given
    (0 when not), and ``best`` worked out from them as the verifier does."""
    (built,) = claims_for([(text, cited, [])], where, _Zero())  # type: ignore[arg-type]
    n = len(where.sources)
    sims = np.array(similarity if similarity is not None else [0.0] * n, np.float32)
    eligible = [j for j, m in enumerate(built.missing_numbers) if not m]
    best = float(sims[eligible].max()) if eligible else 1.0
    quote = np.array(quotes if quotes is not None else [1.0] * n, np.float32)
    return dataclasses.replace(built, similarity=sims, quotes=quote, best=best)
