"""The document library as a server shows it: the corpus folder against the live index,
with documents waiting for the background update marked as indexing (and how far)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.index.library import DocumentInfo, add_document, list_documents, live_manifest, remove_document

if TYPE_CHECKING:
    from rag.pipeline import RAG


def documents_now(rag: RAG, found: list[DocumentInfo] | None = None) -> list[DocumentInfo]:
    """The library against the index questions are answered from; ``found``: an earlier
    listing to update with the indexer's progress only (no file is read)."""
    if found is None:
        found = list_documents(rag.settings, rag.manifest or live_manifest(rag.settings))
    state = rag.indexer.state
    if not state.running:
        return found
    return [
        d.model_copy(update={"state": "indexing", "progress": state.overall, "reason": state.describe()})
        if d.state in ("pending", "indexing")
        else d
        for d in found
    ]


def add_files(rag: RAG, files: list[tuple[str, bytes]]) -> tuple[list[str], list[RagError]]:
    """Add each (name, content) to the corpus with the library's checks, then start one
    background index update; the doc_ids added and the refusals, in order."""
    added: list[str] = []
    refused: list[RagError] = []
    for name, data in files:
        try:
            added.append(add_document(rag.settings, name, data))
        except RagError as exc:
            refused.append(exc)
    if added:
        rag.indexer.request()
    return added, refused


def remove_files(rag: RAG, doc_ids: list[str]) -> None:
    """Delete documents (404 for one not in the corpus), then start one index update if
    any was deleted."""
    removed = 0
    try:
        for doc_id in doc_ids:
            remove_document(rag.settings, doc_id)
            removed += 1
    finally:
        if removed:
            rag.indexer.request()


def document_detail(rag: RAG, doc_id: str) -> dict:
    """One document as the library lists it, with its map (rag.index.doc_map): title, headings,
    and the lead and summary sentences, each with the paragraph and characters it quotes."""
    listed = {d.doc_id: d for d in documents_now(rag)}
    if doc_id not in listed:
        raise RagError(f"No document {doc_id!r} in the library.", fix="GET /api/documents lists the documents.", status=404)
    retriever = rag.retriever
    detail = listed[doc_id].model_dump()
    if retriever is None or doc_id not in retriever.stored.maps:  # not indexed yet
        return {**detail, "map": None}
    found, paragraphs = retriever.stored.maps[doc_id], retriever.stored.paragraphs

    def cited(refs) -> list[dict]:
        out = []
        for r in refs:
            p = paragraphs.get(r.paragraph_id)
            if p is None:  # a map from another build than the paragraphs (swapped meanwhile)
                continue
            out.append(
                {"text": r.text, "paragraph_id": r.paragraph_id, "location": p.location, "start": p.start + r.start, "end": p.start + r.end}
            )
        return out

    doc_map = {"title": found.title, "headings": found.headings, "method": found.method}
    return {**detail, "map": {**doc_map, "lead": cited(found.lead), "summary": cited(found.summary)}}
