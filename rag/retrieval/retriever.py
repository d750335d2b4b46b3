"""Hybrid retrieval: dense (FAISS over chunks) + lexical (BM25 over paragraphs),
fused per paragraph, the unit we cite.

Each channel proposes its best ``candidates`` paragraphs; every proposed paragraph
then gets an exact score from *both* channels (dense: best of its chunks' vectors;
lexical: its BM25 score) so the fusion compares like with like.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.index import vectors as vector_index
from rag.index.lexical import lexical_tokens
from rag.index.store import StoredIndex
from rag.models.embedding import Embedder
from rag.retrieval.fusion import FUSIONS
from rag.retrieval.scope import ScopeFilter
from rag.settings import Settings
from rag.text.language import bigrams, detect_language, to_simplified, to_traditional
from rag.types import Passage, Scope

# A scope of at most this many chunks is scored exactly (a few documents: faster than a
# filtered index search, and exact); a larger one is searched with FAISS's id selector.
EXACT_SCOPE_CHUNKS = 4096
# Two paragraphs sharing this share of their word units say the same thing (the same article
# read from two formats differs only where a page break or a header fell).
SAME_TEXT = 0.9


class Retriever:
    def __init__(self, stored: StoredIndex, embedder: Embedder, settings: Settings | None = None) -> None:
        """``settings`` gives the mode, fusion, lexical weight, candidates and search breadth
        (Settings checked them when they were read); default: Settings()."""
        s = settings or Settings()
        if stored.vectors.d != embedder.dimension:
            raise ValueError(f"index has dimension {stored.vectors.d}, model gives {embedder.dimension}")
        ivf_probes, hnsw_ef = s.index.ivf_probes, s.index.hnsw_ef_search
        r = s.retrieval
        mode, fusion, lexical_weight, candidates = r.retrieval_mode, r.fusion, r.lexical_weight, r.candidates
        vector_index.tune(stored.vectors, ivf_probes, hnsw_ef)
        self.hnsw_ef = hnsw_ef
        self.stored = stored
        self.embedder = embedder
        self.mode = mode
        self.fusion = fusion
        self.lexical_weight = lexical_weight
        self.candidates = candidates
        self.paragraph_ids = list(stored.paragraphs)
        self.position = {pid: i for i, pid in enumerate(self.paragraph_ids)}
        self.chunk_paragraph = np.array([self.position[c.paragraph_id] for c in stored.chunks], dtype=np.int64)
        # Chunks of paragraph i are _chunk_order[_chunk_bounds[i]:_chunk_bounds[i + 1]]: two
        # arrays instead of a million small ones on large corpora.
        self._chunk_order = np.argsort(self.chunk_paragraph, kind="stable")
        self._chunk_bounds = np.searchsorted(self.chunk_paragraph[self._chunk_order], np.arange(len(self.paragraph_ids) + 1))
        # A lexical-first build: paragraphs none of whose chunks has a vector yet get the
        # pool's average dense score (neither pushed up nor down), so BM25 decides for them.
        has_vector = np.ones(len(stored.chunks), dtype=bool)
        has_vector[stored.pending] = False
        self.has_dense = bool(has_vector.any())
        self.no_vector = np.bincount(self.chunk_paragraph[has_vector], minlength=len(self.paragraph_ids)) == 0
        self.script = stored.manifest.get("script", "")
        self.scopes = ScopeFilter(stored, self.paragraph_ids, s.corpus.corpus_dir)
        self._documents: dict[str, list[str]] | None = None
        self._words: dict[int, frozenset[str]] = {}  # each paragraph's word units, for telling repeats apart

    def chunks_of(self, position: int) -> np.ndarray:
        return self._chunk_order[self._chunk_bounds[position] : self._chunk_bounds[position + 1]]

    # -- the two channels -------------------------------------------------------------
    def dense_query_text(self, question: str) -> str:
        """The question in the corpus's Chinese script: e5 matches same-script text best."""
        lang = detect_language(question)
        if self.script == "zh-Hant" and lang == "zh-Hans":
            return to_traditional(question)
        if self.script == "zh-Hans" and lang == "zh-Hant":
            return to_simplified(question)
        return question

    def _dense_candidates(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None) -> dict[int, tuple[float, int]]:
        """Paragraph position -> (best chunk score, best chunk index), best paragraphs first;
        with ``allowed`` (a mask over paragraphs) only their chunks are searched."""
        only = None
        if allowed is not None:
            only = np.flatnonzero(allowed[self.chunk_paragraph])
            if len(only) <= EXACT_SCOPE_CHUNKS:  # a few documents: score every chunk of them exactly
                scores = self.stored.vectors.reconstruct_batch(only) @ query
                order = np.argsort(-scores, kind="stable")
                return self._first_per_paragraph(scores[order], only[order], n)
        total = self.stored.vectors.ntotal if only is None else len(only)
        fetch = min(total, n * 4 + 8)
        scores, ids = vector_index.search(self.stored.vectors, query, fetch, self.hnsw_ef, only)
        return self._first_per_paragraph(scores[0], ids[0], n)

    def _first_per_paragraph(self, scores: np.ndarray, ids: np.ndarray, n: int) -> dict[int, tuple[float, int]]:
        """Chunks best first -> each paragraph's best chunk, for the first ``n`` paragraphs."""
        best: dict[int, tuple[float, int]] = {}
        for score, idx in zip(scores, ids, strict=True):
            if idx >= 0 and self.chunk_paragraph[idx] not in best:
                best[int(self.chunk_paragraph[idx])] = (float(score), int(idx))
                if len(best) == n:
                    break
        return best

    def _dense_exact(self, query: np.ndarray, positions: Sequence[int]) -> dict[int, tuple[float, int]]:
        out = {}
        for pos in positions:
            chunk_ids = self.chunks_of(pos)
            vectors = self.stored.vectors.reconstruct_batch(chunk_ids)
            scores = vectors @ query
            j = int(np.argmax(scores))
            out[pos] = (float(scores[j]), int(chunk_ids[j]))
        return out

    # -- search -----------------------------------------------------------------------
    def search(
        self, question: str, k: int, mode: str | None = None, query_vector: np.ndarray | None = None, scope: Scope | None = None
    ) -> list[Passage]:
        """Top ``k`` paragraphs (of the ``scope`` only, filtered before ranking in both
        channels); ``query_vector`` skips encoding (benchmarks encode in batches)."""
        mode = mode or self.mode
        if not self.has_dense:  # a lexical-first build of a new corpus: no vector to compare the question with
            mode = "lexical"
        allowed = self.scopes.mask(scope)
        n_paragraphs = len(self.paragraph_ids) if allowed is None else int(allowed.sum())
        if n_paragraphs == 0 or k <= 0:
            return []
        n = min(max(self.candidates, k), n_paragraphs)
        query = None
        if mode != "lexical":
            query = query_vector if query_vector is not None else self.embedder.encode_queries([self.dense_query_text(question)])[0]
        lexical_all = self.stored.lexical.score_all(question) if mode != "dense" and self.stored.lexical else None
        if lexical_all is not None and allowed is not None:
            lexical_all = np.where(allowed, lexical_all, 0.0)  # out of scope: never among the lexical candidates

        dense = self._dense_candidates(query, n, allowed) if query is not None else {}
        lexical_top: list[int] = []
        if lexical_all is not None and self.stored.lexical:
            lexical_top = self.stored.lexical.best(question, lexical_all, n)

        pool = list(dict.fromkeys([*dense, *lexical_top]))
        if mode == "dense":  # only what has a vector can be ranked by meaning alone
            pool = [p for p in pool if not self.no_vector[p]]
        if not pool:
            return []
        if query is not None:
            missing = [p for p in pool if p not in dense]
            dense.update(self._dense_exact(query, missing))
        dense_scores = np.array([dense[p][0] for p in pool]) if query is not None else None
        waiting = self.no_vector[pool]
        if dense_scores is not None and waiting.any():
            dense_scores[waiting] = dense_scores[~waiting].mean() if (~waiting).any() else 0.0
        lexical_scores = lexical_all[pool].astype(np.float64) if lexical_all is not None else None

        if mode == "dense" or lexical_scores is None:
            fused = dense_scores
        elif mode == "lexical" or dense_scores is None:
            fused = lexical_scores
        else:
            # English questions against Chinese text share few tokens with it: trust BM25
            # only as far as the question's words occur in the corpus at all.
            share = self.stored.lexical.known_share(lexical_tokens(question)) if self.stored.lexical else 0.0
            w = self.lexical_weight * share
            fused = FUSIONS[self.fusion]([dense_scores, lexical_scores], [1.0 - w, w])
        assert fused is not None
        order = self._distinct(np.argsort(-fused, kind="stable"), pool, k)

        dense_top = set([p for p in dense if not self.no_vector[p]][:k]) if query is not None else set()
        lexical_topk = set(lexical_top[:k])
        passages = []
        for rank, i in enumerate(order, 1):
            pos = pool[i]
            found_by = [name for name, top in (("dense", dense_top), ("lexical", lexical_topk)) if pos in top]
            passages.append(
                self._passage(
                    pos,
                    float(fused[i]),
                    dense[pos][1] if query is not None else None,
                    rank,
                    dense_score=float(dense_scores[i]) if dense_scores is not None and not self.no_vector[pos] else None,
                    lexical_score=float(lexical_scores[i]) if lexical_scores is not None else None,
                    found_by=found_by,
                )
            )
        return passages

    def _distinct(self, order: np.ndarray, pool: list[int], k: int) -> list[int]:
        """The first ``k`` of ``order`` whose paragraphs say something the ones before them do not:
        the same text kept twice (a .txt and a .pdf of one article) is shown, and quoted, once."""
        kept: list[int] = []
        seen: list[frozenset[str]] = []
        for i in order:
            pos = pool[i]
            if pos not in self._words:  # found once per paragraph, then kept
                self._words[pos] = frozenset(bigrams(self.stored.paragraphs[self.paragraph_ids[pos]].text))
            words = self._words[pos]
            if any(len(words & other) >= SAME_TEXT * max(1, len(words | other)) for other in seen):
                continue
            kept.append(int(i))
            seen.append(words)
            if len(kept) == k:
                break
        return kept

    def first_paragraphs(self, n: int) -> list[Passage]:
        """The first ``n`` paragraphs in index order, each as a passage ranked first."""
        return [self._passage(pos, 0.0, None, 1) for pos in range(min(n, len(self.paragraph_ids)))]

    def document_paragraphs(self, doc_id: str) -> list[str]:
        """The paragraph ids of ``doc_id`` in document order (found once, then kept)."""
        if self._documents is None:
            documents: dict[str, list[str]] = {}
            for pid in self.paragraph_ids:
                documents.setdefault(self.stored.paragraphs[pid].doc_id, []).append(pid)
            self._documents = documents
        return self._documents.get(doc_id, [])

    def paragraph_passage(self, paragraph_id: str, rank: int, found_by: str) -> Passage:
        """A stored paragraph as a passage at ``rank``, brought in by ``found_by`` (not by a
        search: it has no score of its own)."""
        return self._passage(self.position[paragraph_id], 0.0, None, rank, found_by=[found_by])

    def _passage(self, pos: int, score: float, chunk_index: int | None, rank: int, **extra) -> Passage:
        para = self.stored.paragraphs[self.paragraph_ids[pos]]
        chunk = self.stored.chunks[chunk_index] if chunk_index is not None else None
        return Passage(
            paragraph_id=para.paragraph_id,
            doc_id=para.doc_id,
            score=score,
            text=para.text,
            start=para.start,
            end=para.end,
            match_start=chunk.start if chunk else para.start,
            match_end=chunk.end if chunk else para.end,
            heading=para.heading,
            rank=rank,
            page=para.page,
            page_paragraph=para.page_paragraph,
            page_breaks=para.page_breaks,
            ocr=para.ocr,
            **extra,
        )
