from __future__ import annotations

import numpy as np
import pytest

from rag.retrieval.fusion import FUSIONS, RRF_K, reciprocal_rank, weighted_minmax, weighted_zscore


def test_rrf_sums_weighted_reciprocal_ranks():
    dense = np.array([0.9, 0.8, 0.1])
    lexical = np.array([1.0, 5.0, 3.0])
    fused = reciprocal_rank([dense, lexical], [0.5, 0.5])
    expected = [0.5 / (RRF_K + 1) + 0.5 / (RRF_K + 3), 0.5 / (RRF_K + 2) + 0.5 / (RRF_K + 1), 0.5 / (RRF_K + 3) + 0.5 / (RRF_K + 2)]
    assert np.allclose(fused, expected)


def test_minmax_puts_channels_on_one_scale():
    fused = weighted_minmax([np.array([0.80, 0.90]), np.array([100.0, 0.0])], [0.5, 0.5])
    assert np.allclose(fused, [0.5, 0.5])


def test_zscore_handles_a_flat_channel():
    fused = weighted_zscore([np.array([1.0, 2.0, 3.0]), np.array([4.0, 4.0, 4.0])], [1.0, 1.0])
    assert np.all(np.isfinite(fused)) and np.argmax(fused) == 2


@pytest.mark.parametrize("name", sorted(FUSIONS))
def test_zero_weight_channel_is_ignored(name):
    dense = np.array([0.1, 0.9, 0.5])
    noise = np.array([9.0, 0.0, 3.0])
    fused = FUSIONS[name]([dense, noise], [1.0, 0.0])
    assert list(np.argsort(-fused)) == [1, 2, 0]


def _passages(*scores, dense=0.9):
    from rag.types import Passage

    return [
        Passage(
            doc_id="d",
            paragraph_id=f"d#p{i}",
            text="x",
            score=s,
            start=0,
            end=1,
            match_start=0,
            match_end=1,
            rank=i,
            dense_score=dense,
            lexical_score=None if dense is None else 1.0,
        )
        for i, s in enumerate(scores, 1)
    ]


def test_a_lead_is_the_first_fused_score_above_the_second():
    from rag.retrieval.fusion import clear_by

    assert clear_by(_passages(2.0, 1.2, 1.0), 0.75)
    assert not clear_by(_passages(2.0, 1.5, 1.0), 0.75)
    assert not clear_by(_passages(2.0, 1.0), None)  # no margin set: never
    assert not clear_by(_passages(2.0), 0.75)  # nothing to lead
    assert not clear_by(_passages(9.0, 1.0, dense=None), 0.75)  # one channel's scores: another scale
