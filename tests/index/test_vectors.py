"""Index types by size: exact for small corpora, approximate (IVF/HNSW) for large ones,
written and memory-mapped like any other build, and close to exact search."""

from __future__ import annotations

import numpy as np
import pytest

from rag.index import vectors as vector_index
from rag.index.lexical import LexicalIndex
from rag.index.store import current_build, load_build, write_build
from rag.settings import Settings
from rag.types import Chunk, Paragraph


def clustered_vectors(n: int, dim: int = 32, centres: int = 50, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few centres, like sentence embeddings (random ones have no neighbours worth finding)."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((centres, dim)).astype(np.float32)
    x = base[rng.integers(0, centres, n)] + 0.3 * rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_auto_is_exact_up_to_the_threshold_then_ivf():
    assert vector_index.choose_kind("auto", 20_000, 20_000) == "flat"
    assert vector_index.choose_kind("auto", 20_001, 20_000) == "ivf"
    assert vector_index.choose_kind("hnsw", 10, 20_000) == "hnsw"
    # Too few points to train IVF lists: exact search is both right and faster.
    assert vector_index.choose_kind("ivf", 500, 0) == "flat"


def test_unknown_kind_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="must be one of .*'hnsw'"):
        vector_index.choose_kind("annoy", 10, 10)
    with pytest.raises(ValueError, match="'auto', 'flat', 'ivf' or 'hnsw'"):
        Settings(vector_index="annoy")


def test_ivf_list_count_grows_with_the_square_root_of_the_corpus():
    assert vector_index.factory_string("ivf", 10_000) == "IVF400,Flat"
    assert vector_index.factory_string("ivf", 1_000_000) == "IVF4000,Flat"


@pytest.mark.parametrize("kind", ["ivf", "hnsw"])
def test_approximate_search_finds_what_exact_search_finds(kind):
    x = clustered_vectors(20_000)
    rng = np.random.default_rng(1)
    queries = x[rng.integers(0, len(x), 100)] + 0.1 * rng.standard_normal((100, x.shape[1])).astype(np.float32)
    exact = vector_index.build_vector_index(x, "flat")
    approx = vector_index.build_vector_index(x, kind)
    vector_index.tune(approx, ivf_probes=64, hnsw_ef=64)
    recall = []
    for q in queries:
        _, want = vector_index.search(exact, q, 10, 64)
        _, got = vector_index.search(approx, q, 10, 64)
        recall.append(len(set(want[0]) & set(got[0])) / 10)
    assert np.mean(recall) >= 0.95
    # The retriever rescores chunks by id: every kind must give the stored vector back.
    np.testing.assert_allclose(approx.reconstruct_batch(np.array([0, 7, 19_999])), x[[0, 7, 19_999]], atol=1e-6)


def test_hnsw_returns_k_results_even_when_k_exceeds_its_search_list():
    x = clustered_vectors(2_000)
    index = vector_index.build_vector_index(x, "hnsw")
    vector_index.tune(index, ivf_probes=1, hnsw_ef=16)
    _, ids = vector_index.search(index, x[0], 200, 16)
    assert (ids[0] >= 0).sum() == 200


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_each_kind_is_written_and_read_back_memory_mapped(tmp_path, kind):
    n = 3_000
    x = clustered_vectors(n)
    paragraphs = [Paragraph(paragraph_id=f"a.txt#p{i + 1}", doc_id="a.txt", number=i + 1, start=i, end=i + 1, text="字") for i in range(n)]
    chunks = [Chunk(paragraph_id=p.paragraph_id, start=p.start, end=p.end, text=p.text) for p in paragraphs]
    lexical = LexicalIndex.build([p.text for p in paragraphs])
    write_build(tmp_path, {"corpus_hash": "x"}, x, paragraphs, chunks, lexical, kind)
    folder = current_build(tmp_path)
    assert folder is not None
    stored = load_build(folder)
    assert stored.manifest["vector_index_kind"] == kind
    assert vector_index.kind_of(stored.vectors) == kind
    assert stored.vectors.ntotal == n
    vector_index.tune(stored.vectors, 64, 64)
    _, ids = vector_index.search(stored.vectors, x[123], 5, 64)
    assert ids[0][0] == 123


@pytest.mark.parametrize("kind", ["flat", "ivf", "hnsw"])
def test_a_search_limited_to_some_ids_finds_only_those_and_the_best_of_them(kind):
    x = clustered_vectors(4000)
    index = vector_index.build_vector_index(x, kind)
    vector_index.tune(index, ivf_probes=64, hnsw_ef=64)
    only = np.arange(1, 4000, 7)
    scores, ids = vector_index.search(index, x[0], 10, hnsw_ef=64, only=only)
    found = [int(i) for i in ids[0] if i >= 0]
    assert found and set(found) <= set(only.tolist())
    exact = only[np.argsort(-(x[only] @ x[0]))[:10]]
    assert len(set(found) & set(exact.tolist())) >= 8  # approximate kinds may miss one or two
