"""How a server opens its index: answer at once from whatever can be searched, and bring
the index up to date in the background (rag.index.refresher) instead of before opening."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from rag.errors import RagError
from rag.index.store import current_build

if TYPE_CHECKING:
    from rag.pipeline import RAG

log = logging.getLogger("rag")
# Stale reasons after which the old build's vectors no longer match the questions' vectors.
OTHER_MODEL = ("embedding model", "query prompt", "passage prompt")


def serve_index(rag: RAG, wait_s: float = 3600.0) -> None:
    """Load the last build, even a stale or lexical-first one (not one made by another
    model), and start the background update when the index is not fresh; with nothing to
    answer from yet, return as soon as the new build is searchable. Raises what made that
    build fail."""
    status = rag.status()
    if status.state == "fresh" or not rag.settings.index.auto_rebuild:
        rag.ensure_index()  # loads a lexical-first build as it is; says how to rebuild a stale one
        return
    log.info("Index %s (%s): updating it in the background.", status.state, "; ".join(status.reasons))
    folder = current_build(rag.settings.index.index_dir)
    if folder is not None and not any(r.startswith(OTHER_MODEL) for r in status.reasons):
        try:
            rag.answer_from(folder)
        except (RagError, ValueError) as exc:  # damaged, or another model's dimension: wait for the new one
            log.warning("Not answering from %s meanwhile: %s", folder, exc)
    rag.indexer.request()
    deadline = time.monotonic() + wait_s
    while rag.retriever is None and rag.indexer.state.running and time.monotonic() < deadline:
        time.sleep(0.1)
    if rag.retriever is None and rag.indexer.state.error:
        raise RagError(rag.indexer.state.error)  # says how to fix it already
