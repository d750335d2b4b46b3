"""A map of every document, made when the index is built: its title, lead, headings, the
key sentence of each paragraph and an extractive summary, each sentence pointing at the
paragraph (and characters) it comes from, so an overview can be quoted and cited.

No model is needed: sentences are compared by their words (Han bigrams, Latin words and
numbers, after script folding), weighted by how rare they are in the document. Two
summary methods are offered (``SUMMARY_METHODS``):

- ``textrank``: PageRank over the graph of sentences linked by word overlap (networkx), the
  central sentences first;
- ``centroid``: sentences closest to the document's weighted word centroid, picked with
  maximal marginal relevance so no two say the same thing.

The map is stored beside the index as ``maps.jsonl`` (one document a line).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby

import numpy as np
from pydantic import BaseModel, Field
from scipy import sparse

from rag.text.language import bigrams
from rag.text.sentences import sentence_spans
from rag.types import Paragraph

MAPS = "maps.jsonl"
SUMMARY_METHODS = ("textrank", "centroid")


@dataclass(frozen=True)
class MapTuning:
    """How much a map holds; the values were chosen for short answers a 1.5B model reads fast."""

    summary_sentences: int = 5  # at most; a short document gets about a third of its sentences
    lead_sentences: int = 2  # of the first paragraph
    redundancy: float = 0.5  # MMR: a sentence this similar to one already picked is not worth picking
    position_weight: float = 0.15  # earlier sentences state the topic: a small bonus, fading with position
    max_sentences: int = 600  # longer documents are summarised from each paragraph's key sentence


TUNING = MapTuning()


class SentenceRef(BaseModel):
    """One sentence of a paragraph: where it is (characters of the paragraph's text) and what it says."""

    paragraph_id: str
    start: int
    end: int
    text: str


class DocumentMap(BaseModel):
    doc_id: str
    title: str = ""
    headings: list[str] = Field(default_factory=list)
    lead: list[SentenceRef] = Field(default_factory=list, description="The first sentences of the first paragraph.")
    key_sentences: list[SentenceRef] = Field(default_factory=list, description="Each paragraph's most central sentence.")
    summary: list[SentenceRef] = Field(default_factory=list, description="The extractive summary, in document order.")
    method: str = ""


@dataclass
class _Sentences:
    refs: list[SentenceRef] = field(default_factory=list)
    grams: list[set[str]] = field(default_factory=list)


def _sentences(paragraphs: Sequence[Paragraph]) -> _Sentences:
    out = _Sentences()
    for p in paragraphs:
        for a, b in sentence_spans(p.text):
            grams = bigrams(p.text[a:b])
            if grams:
                out.refs.append(SentenceRef(paragraph_id=p.paragraph_id, start=a, end=b, text=p.text[a:b]))
                out.grams.append(grams)
    return out


def weighted_matrix(texts: Sequence[str]) -> np.ndarray:
    """Rows: the texts as unit vectors of their words (Han bigrams, Latin words, numbers)
    weighted by how rare each is among them."""
    return _weighted_matrix([bigrams(t) for t in texts])


def _weighted_matrix(grams: list[set[str]]) -> np.ndarray:
    """Rows: sentences as unit vectors of their words weighted by inverse sentence frequency
    (dense: callers pass at most ``MapTuning.max_sentences`` sentences)."""
    return _sparse_matrix(grams).toarray()


def _sparse_matrix(grams: list[set[str]]) -> sparse.csr_matrix:
    """The same rows, sparse: a long document's sentences by its whole vocabulary."""
    counts = Counter(g for s in grams for g in s)
    vocabulary = {g: i for i, g in enumerate(counts)}
    n = len(grams)
    rows, cols, values = [], [], []
    for row, s in enumerate(grams):
        weights = [(vocabulary[g], math.log(1 + n / counts[g])) for g in s]
        norm = math.sqrt(sum(w * w for _, w in weights)) or 1.0
        for col, w in weights:
            rows.append(row)
            cols.append(col)
            values.append(w / norm)
    return sparse.csr_matrix((np.asarray(values, dtype=np.float32), (rows, cols)), shape=(n, len(vocabulary)))


def _position_bonus(n: int, weight: float) -> np.ndarray:
    return weight / (1 + np.arange(n) / 3)


def textrank_order(matrix: np.ndarray, tuning: MapTuning = TUNING) -> list[int]:
    """Sentences by PageRank over their similarity graph (plus the position bonus), best first."""
    import networkx as nx

    n = len(matrix)
    if n == 1:
        return [0]
    similarity = matrix @ matrix.T
    np.fill_diagonal(similarity, 0.0)
    graph = nx.from_numpy_array(similarity)
    ranks = nx.pagerank(graph, weight="weight", max_iter=200, tol=1e-6)
    scores = np.array([ranks[i] for i in range(n)]) * n + _position_bonus(n, tuning.position_weight)
    return _mmr(scores, similarity, tuning.redundancy)


def centroid_order(matrix: np.ndarray, tuning: MapTuning = TUNING) -> list[int]:
    """Sentences by closeness to the document's centroid (plus the position bonus), picked
    with maximal marginal relevance, best first."""
    centroid = matrix.sum(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
    scores = matrix @ centroid + _position_bonus(len(matrix), tuning.position_weight)
    return _mmr(scores, matrix @ matrix.T, tuning.redundancy)


def _mmr(scores: np.ndarray, similarity: np.ndarray, redundancy: float) -> list[int]:
    """Indices by score, each next one only if it is not too similar to one already taken
    (the rest follow, in score order, for callers that need more)."""
    taken: list[int] = []
    skipped: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if any(similarity[i, j] >= redundancy for j in taken):
            skipped.append(int(i))
        else:
            taken.append(int(i))
    return taken + skipped


ORDERS = {"textrank": textrank_order, "centroid": centroid_order}


def document_map(
    doc_id: str, title: str, paragraphs: Sequence[Paragraph], method: str = "centroid", tuning: MapTuning = TUNING
) -> DocumentMap:
    """The map of one document from its paragraphs (in document order)."""
    if method not in ORDERS:
        raise ValueError(f"unknown summary method {method!r}; use one of {SUMMARY_METHODS}")
    sentences = _sentences(paragraphs)
    headings = list(dict.fromkeys(p.heading for p in paragraphs if p.heading))
    # A file without a title of its own is known by the heading above its first paragraph, or its name.
    title = title or (paragraphs[0].heading if paragraphs else "") or doc_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    found = DocumentMap(doc_id=doc_id, title=title, headings=headings, method=method)
    if not sentences.refs:
        return found
    first = paragraphs[0].paragraph_id
    found.lead = [r for r in sentences.refs if r.paragraph_id == first][: tuning.lead_sentences]
    matrix = _sparse_matrix(sentences.grams)
    centrality = np.asarray(matrix @ np.asarray(matrix.sum(axis=0)).ravel()).ravel()
    key_indices = []
    for _, group in groupby(range(len(sentences.refs)), key=lambda i: sentences.refs[i].paragraph_id):
        members = list(group)
        key_indices.append(max(members, key=lambda i: float(centrality[i])))
    found.key_sentences = [sentences.refs[i] for i in key_indices]
    pool = key_indices if len(sentences.refs) > tuning.max_sentences else list(range(len(sentences.refs)))
    pool = sorted(sorted(pool, key=lambda i: -float(centrality[i]))[: tuning.max_sentences])  # the most central, in order
    order = ORDERS[method](matrix[pool].toarray(), tuning)
    wanted = min(tuning.summary_sentences, max(1, math.ceil(len(pool) / 3)))
    picked = sorted(pool[i] for i in order[:wanted])
    found.summary = [sentences.refs[i] for i in picked]
    return found


def document_maps(
    paragraphs: Iterable[Paragraph], titles: dict[str, str] | None = None, method: str = "centroid"
) -> dict[str, DocumentMap]:
    """Maps of every document the paragraphs come from (paragraphs grouped by document, in order)."""
    titles = titles or {}
    by_doc: dict[str, list[Paragraph]] = {}
    for p in paragraphs:
        by_doc.setdefault(p.doc_id, []).append(p)
    return {doc: document_map(doc, titles.get(doc, ""), ps, method) for doc, ps in by_doc.items()}
