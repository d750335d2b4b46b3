"""Dense retrieval over chunks, returned as paragraphs (the unit we cite)."""

from __future__ import annotations

import numpy as np

from rag.embedding import Embedder
from rag.index_store import StoredIndex
from rag.types import Passage

# Chunks fetched per wanted paragraph: several chunks of one paragraph can crowd the top.
_OVERFETCH = 4


class DenseRetriever:
    def __init__(self, stored: StoredIndex, embedder: Embedder) -> None:
        if stored.vectors.d != embedder.dimension:
            raise ValueError(f"index has dimension {stored.vectors.d}, model gives {embedder.dimension}")
        self.stored = stored
        self.embedder = embedder

    def search(self, question: str, k: int) -> list[Passage]:
        query = self.embedder.encode_queries([question])
        return self.search_vector(query[0], k)

    def search_vector(self, query: np.ndarray, k: int) -> list[Passage]:
        total = self.stored.vectors.ntotal
        if total == 0 or k <= 0:
            return []
        fetch = min(total, k * _OVERFETCH + 8)
        scores, ids = self.stored.vectors.search(query.reshape(1, -1).astype(np.float32), fetch)
        best: dict[str, tuple[float, int]] = {}
        for score, idx in zip(scores[0], ids[0], strict=True):
            if idx < 0:
                continue
            pid = self.stored.chunks[idx].paragraph_id
            if pid not in best:  # results come best-first, so the first chunk seen is the best one
                best[pid] = (float(score), int(idx))
            if len(best) == k:
                break
        return [self._passage(pid, score, idx, rank) for rank, (pid, (score, idx)) in enumerate(best.items(), 1)]

    def _passage(self, paragraph_id: str, score: float, chunk_index: int, rank: int) -> Passage:
        para = self.stored.paragraphs[paragraph_id]
        chunk = self.stored.chunks[chunk_index]
        return Passage(
            paragraph_id=para.paragraph_id,
            doc_id=para.doc_id,
            score=score,
            text=para.text,
            start=para.start,
            end=para.end,
            match_start=chunk.start,
            match_end=chunk.end,
            heading=para.heading,
            rank=rank,
        )
