"""Evidence for questions that need explaining (rag.text.kinds): what the kind of question
needs, not only the passages that best match its words.

- overview, summary: the document the question is about (named by its title, or holding
  most of the best passages), read through its map (rag.index.doc_map): the paragraphs of
  its lead and summary sentences, in document order;
- why, how: the best passage with its neighbours in the document (a reason or a step is
  often told in the paragraph before or after the one that matches);
- list, compare, timeline: several paragraphs from a wider search, picked for relevance and
  against redundancy (maximal marginal relevance), so that each carries other items; a
  timeline's in document order.

Passages brought in this way say so in ``found_by`` ('map', 'neighbour'); their ranks are
the citation keys the answerers write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.retrieval.retriever import Retriever
from rag.text.language import HAN, bigrams, normalize_for_matching
from rag.types import Passage, Scope


@dataclass(frozen=True)
class GatherTuning:
    """How much evidence each kind gathers; sized so a 1.5B model reads it in a few seconds."""

    candidates: int = 30  # passages searched for a list, comparison or timeline
    spread_paragraphs: int = 6  # of them, kept for a list, comparison or timeline
    redundancy: float = 0.6  # word overlap (cosine of bigram sets) above which a paragraph adds little
    neighbours: int = 1  # paragraphs either side of a why/how question's best passage
    map_paragraphs: int = 5  # paragraphs shown for an overview or summary
    searched_paragraphs: int = 2  # of them, the document's best matches to the question (the rest from its map)
    vote_depth: int = 10  # best passages that vote for the document a question is about


TUNING = GatherTuning()


def _allowed_documents(retriever: Retriever, scope: Scope | None) -> set[str] | None:
    """The documents ``scope`` allows (by name, file name or date, as searches filter), or None for all."""
    mask = retriever.scopes.mask(scope)
    if mask is None:
        return None
    paragraphs = retriever.stored.paragraphs
    return {paragraphs[retriever.paragraph_ids[i]].doc_id for i in np.flatnonzero(mask)}


def _names(title: str, question: str) -> bool:
    """Whether the folded ``question`` names the folded ``title``: a Chinese title of two
    characters or more anywhere, a Latin one as whole words of four letters or more."""
    if re.search(f"[{HAN}]", title):
        return len(title) >= 2 and title in question
    return len(title) >= 4 and re.search(rf"(?<!\w){re.escape(title)}(?!\w)", question) is not None


def named_document(question: str, retriever: Retriever, scope: Scope | None = None) -> str | None:
    """The document whose title the question names (the longest such title) among those the
    scope allows, or None."""
    folded = normalize_for_matching(question)
    allowed = _allowed_documents(retriever, scope)
    best, length = None, 0
    for doc_id, found in retriever.stored.maps.items():
        title = normalize_for_matching(found.title).strip()
        if len(title) > length and _names(title, folded) and (allowed is None or doc_id in allowed):
            best, length = doc_id, len(title)
    return best


def voted_document(passages: list[Passage], depth: int) -> str | None:
    """The document holding most of the best passages (each weighs 1/rank), when it holds the best one."""
    if not passages:
        return None
    weight: dict[str, float] = {}
    for n, p in enumerate(passages[:depth], 1):
        weight[p.doc_id] = weight.get(p.doc_id, 0.0) + 1.0 / n
    doc = max(weight, key=lambda d: weight[d])
    return doc if doc == passages[0].doc_id else None


def _ranked(passages: list[Passage]) -> list[Passage]:
    return [p.model_copy(update={"rank": n}) for n, p in enumerate(passages, 1)]


def _document_order(passages: list[Passage], retriever: Retriever) -> list[Passage]:
    return sorted(passages, key=lambda p: retriever.position.get(p.paragraph_id, len(retriever.position)))


def from_map(doc_id: str, retriever: Retriever, found: list[Passage], tuning: GatherTuning = TUNING) -> list[Passage]:
    """The document's best-matching paragraphs (an overview of one part of it names that
    part) and the paragraphs of its lead and summary sentences, in document order; a
    paragraph the search found keeps its scores."""
    doc_map = retriever.stored.maps.get(doc_id)
    if doc_map is None:
        return []
    searched = {p.paragraph_id: p for p in found if p.doc_id == doc_id}
    mapped = [r.paragraph_id for r in [*doc_map.lead, *doc_map.summary]]
    known = [pid for pid in dict.fromkeys([*list(searched)[: tuning.searched_paragraphs], *mapped]) if pid in retriever.position]
    wanted = known[: tuning.map_paragraphs]
    passages = [searched[pid] if pid in searched else retriever.paragraph_passage(pid, 0, "map") for pid in wanted]
    return _ranked(_document_order(passages, retriever))


def with_neighbours(passages: list[Passage], retriever: Retriever, tuning: GatherTuning = TUNING) -> list[Passage]:
    """The best passage, the paragraphs beside it in its document, then the other passages."""
    top = passages[0] if passages else None
    if top is None or top.paragraph_id not in retriever.position:  # passages from elsewhere (another build)
        return passages
    at = retriever.position[top.paragraph_id]
    near = []
    for pos in range(at - tuning.neighbours, at + tuning.neighbours + 1):
        if 0 <= pos < len(retriever.paragraph_ids) and pos != at:
            pid = retriever.paragraph_ids[pos]
            if retriever.stored.paragraphs[pid].doc_id == top.doc_id:
                near.append(next((p for p in passages if p.paragraph_id == pid), None) or retriever.paragraph_passage(pid, 0, "neighbour"))
    block = _document_order([top, *near], retriever)
    rest = [p for p in passages if p.paragraph_id not in {b.paragraph_id for b in block}]
    return _ranked([*block, *rest][: max(len(passages), len(block))])


def spread(passages: list[Passage], count: int, redundancy: float) -> list[Passage]:
    """Up to ``count`` passages by maximal marginal relevance: best first, then each next one
    that does not repeat (by words) one already taken."""
    grams = [bigrams(p.text) for p in passages]
    taken: list[int] = []
    for i in range(len(passages)):
        if len(taken) == count:
            break
        if all(_overlap(grams[i], grams[j]) < redundancy for j in taken):
            taken.append(i)
    return [passages[i] for i in taken]


def _overlap(a: set[str], b: set[str]) -> float:
    return len(a & b) / float(np.sqrt(len(a) * len(b))) if a and b else 0.0


def whole_document(evidence: list[Passage], retriever: Retriever, most: int) -> list[Passage] | None:
    """Every paragraph of the document the best evidence comes from, in document order, when
    it has at most ``most``: the same evidence for every question on that document, which a
    model can have read before (rag.serve.read_ahead). Paragraphs the evidence holds keep
    their scores and channels, the others are found_by 'document'; None for a longer document."""
    top = next((p for p in evidence if p.paragraph_id in retriever.position), None)
    if top is None:
        return None
    ids = retriever.document_paragraphs(top.doc_id)
    if not ids or len(ids) > most:
        return None
    held = {p.paragraph_id: p for p in evidence}
    return _ranked([held.get(pid) or retriever.paragraph_passage(pid, 0, "document") for pid in ids])


def gather(
    kind: str,
    question: str,
    passages: list[Passage],
    retriever: Retriever,
    mode: str | None = None,
    scope: Scope | None = None,
    floor: float | None = None,
    tuning: GatherTuning = TUNING,
) -> list[Passage]:
    """The evidence for a question of ``kind`` whose search found ``passages`` (best first).
    A lookup, or a question about no document the library holds, keeps ``passages``: a
    document not named by its title must hold a best passage whose dense score reaches
    ``floor``, the relevance floor that refuses off-topic lookups."""
    if kind == "lookup" or not passages:
        return passages
    top = passages[0].dense_score
    off_topic = floor is not None and top is not None and top < floor
    if kind in ("overview", "summary"):
        doc = named_document(question, retriever, scope) or (None if off_topic else voted_document(passages, tuning.vote_depth))
        return (from_map(doc, retriever, passages, tuning) if doc else []) or passages
    if off_topic:
        return passages
    if kind in ("why", "how"):
        return with_neighbours(passages, retriever, tuning)
    wide = retriever.search(question, max(tuning.candidates, len(passages)), mode, scope=scope)
    doc = named_document(question, retriever, scope) or voted_document(wide, tuning.vote_depth)
    if doc is not None:  # the items of one document's list are told in that document
        wide = [p for p in wide if p.doc_id == doc] or wide
    picked = spread(wide, tuning.spread_paragraphs, tuning.redundancy)
    if kind == "timeline":
        picked = _document_order(picked, retriever)
    return _ranked(picked)
