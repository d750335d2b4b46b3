"""The document library as a server shows it: the corpus folder against the live index,
with documents waiting for the background update marked as indexing (and how far)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.corpus.library import DocumentInfo, add_document, list_documents, live_manifest, remove_document
from rag.errors import RagError

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
