"""Which FAISS index holds the chunk vectors: exact for small corpora, approximate for large ones.

Measured on 2 cores (bench/scale.py): exact search costs ~0.2 ms per 1,000 vectors per
query, so it stays under 4 ms up to ~20k chunks and is then the right choice: no
training, no recall loss.  Above that, an inverted-file index (IVF, ``4*sqrt(n)``
lists, 64 probed) keeps a query under 8 ms (p95) at 1M chunks with recall@10 about 0.97
of exact search, trains in minutes where HNSW took ten times longer, and its lists are
read with mmap, so a large index does not have to fit in memory.  HNSW stays selectable.
"""

from __future__ import annotations

import math
import os

import faiss
import numpy as np

KINDS = ("auto", "flat", "ivf", "hnsw")
# IVF training needs ~40 points per list; k-means on more than this many adds time, not quality.
_TRAIN_SAMPLE = 200_000


def choose_kind(requested: str, n_vectors: int, approximate_above: int) -> str:
    """The concrete kind ('flat', 'ivf' or 'hnsw') for ``n_vectors`` under the setting ``requested``."""
    if requested not in KINDS:
        raise ValueError(f"vector index must be one of {KINDS}, got {requested!r}")
    if requested == "auto":
        return "flat" if n_vectors <= approximate_above else "ivf"
    if requested == "ivf" and n_vectors < 1_000:
        return "flat"  # too few points to train even a handful of lists
    return requested


def factory_string(kind: str, n_vectors: int) -> str:
    if kind == "flat":
        return "Flat"
    if kind == "hnsw":
        return "HNSW32,Flat"
    if kind == "ivf":
        lists = max(8, min(65_536, int(4 * math.sqrt(n_vectors))))
        return f"IVF{lists},Flat"
    raise ValueError(f"unknown vector index kind {kind!r}")


def build_vector_index(vectors: np.ndarray, kind: str, threads: int = 0, seed: int = 0) -> faiss.Index:
    """A filled inner-product index over L2-normalised ``vectors`` (cosine similarity).
    Training and adding use ``threads`` cores (0: all)."""
    faiss.omp_set_num_threads(threads or os.cpu_count() or 1)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    index = faiss.index_factory(dim, factory_string(kind, n), faiss.METRIC_INNER_PRODUCT)
    if kind == "ivf":
        ivf = faiss.extract_index_ivf(index)
        # The retriever rescores a paragraph's chunks by id, which IVF can only do with a direct map.
        ivf.set_direct_map_type(faiss.DirectMap.Array)  # type: ignore[attr-defined]
        ivf.cp.seed = seed
        sample = vectors
        if n > _TRAIN_SAMPLE:
            rows = np.random.default_rng(seed).choice(n, _TRAIN_SAMPLE, replace=False)
            sample = vectors[np.sort(rows)]
        index.train(sample)
    index.add(vectors)
    return index


def kind_of(index: faiss.Index) -> str:
    if isinstance(index, faiss.IndexFlat):
        return "flat"
    if isinstance(index, faiss.IndexHNSW):
        return "hnsw"
    try:
        faiss.extract_index_ivf(index)
    except RuntimeError:
        return "other"
    return "ivf"


def tune(index: faiss.Index, ivf_probes: int, hnsw_ef: int) -> None:
    """Set the search-time accuracy knobs; harmless on exact indexes."""
    kind = kind_of(index)
    if kind == "ivf":
        ivf = faiss.extract_index_ivf(index)
        ivf.nprobe = min(ivf_probes, ivf.nlist)
    elif kind == "hnsw":
        index.hnsw.efSearch = hnsw_ef  # type: ignore[attr-defined]


def search(index: faiss.Index, query: np.ndarray, k: int, hnsw_ef: int, only: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (scores, ids) for one query; HNSW returns at most efSearch results, so it
    gets max(k, hnsw_ef). ``only``: search among these vector ids alone (FAISS's selector,
    applied during the search, so the k found are all among them)."""
    # One thread: OpenMP fan-out costs more than it saves on a single query (flat, 10k
    # vectors, 2 busy cores: 2.5 ms with one thread, 24 ms with two). Concurrent questions
    # use the other cores. Set on every call because OpenMP keeps it per calling thread.
    faiss.omp_set_num_threads(1)
    kind = kind_of(index)
    selector = faiss.IDSelectorBatch(only.astype(np.int64)) if only is not None else None  # type: ignore[attr-defined]
    params: faiss.SearchParameters | None = None  # type: ignore[name-defined]
    if kind == "hnsw":
        params = faiss.SearchParametersHNSW(efSearch=max(k, hnsw_ef), sel=selector)  # type: ignore[attr-defined,call-arg]
    elif kind == "ivf" and selector is not None:
        params = faiss.SearchParametersIVF(nprobe=faiss.extract_index_ivf(index).nprobe, sel=selector)  # type: ignore[attr-defined,call-arg]
    elif selector is not None:
        params = faiss.SearchParameters(sel=selector)  # type: ignore[attr-defined,call-arg]
    if params is None:
        return index.search(query.reshape(1, -1), k)
    return index.search(query.reshape(1, -1), k, params=params)
