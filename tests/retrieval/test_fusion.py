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
