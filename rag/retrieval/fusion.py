"""Ways to combine the dense and lexical scores of the same candidate paragraphs.

Every method takes one score array per channel, aligned on the candidates (a
candidate a channel did not find has that channel's real score, computed exactly,
not a missing value), plus one weight per channel, and returns the fused scores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rag.types import Passage

RRF_K = 60  # the constant from Cormack et al. (2009); larger flattens the rank curve


def _ranks(scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks


def rank_share(rank: np.ndarray, weight: float = 1.0) -> np.ndarray:
    """What being at ``rank`` (1 = first) in one ranking adds to a reciprocal-rank fusion."""
    return weight / (RRF_K + rank)


def reciprocal_rank(channels: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    return sum(rank_share(_ranks(s), w) for s, w in zip(channels, weights, strict=True))  # type: ignore[return-value]


def _minmax(scores: np.ndarray) -> np.ndarray:
    span = float(scores.max() - scores.min()) if len(scores) else 0.0
    return (scores - scores.min()) / span if span > 0 else np.zeros_like(scores)


def weighted_minmax(channels: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    return sum(w * _minmax(s) for s, w in zip(channels, weights, strict=True))  # type: ignore[return-value]


def _zscore(scores: np.ndarray) -> np.ndarray:
    std = float(scores.std()) if len(scores) else 0.0
    return (scores - scores.mean()) / std if std > 0 else np.zeros_like(scores)


def weighted_zscore(channels: Sequence[np.ndarray], weights: Sequence[float]) -> np.ndarray:
    return sum(w * _zscore(s) for s, w in zip(channels, weights, strict=True))  # type: ignore[return-value]


FUSIONS: dict[str, Callable[[Sequence[np.ndarray], Sequence[float]], np.ndarray]] = {
    "rrf": reciprocal_rank,
    "minmax": weighted_minmax,
    "zscore": weighted_zscore,
}


def top_margin(passages: Sequence[Passage]) -> float | None:
    """How far the first passage's fused score is above the second's; None with fewer than
    two passages or with scores from one channel only (lexical or dense mode), which are on
    another scale. The margins in the settings were measured with the default z-score fusion."""
    if len(passages) < 2 or passages[0].dense_score is None or passages[0].lexical_score is None:
        return None
    return passages[0].score - passages[1].score


def clear_by(passages: Sequence[Passage], margin: float | None) -> bool:
    """Whether the first passage is clearly first: ``margin`` or more above the second (never without a margin)."""
    gap = top_margin(passages)
    return margin is not None and gap is not None and gap >= margin
