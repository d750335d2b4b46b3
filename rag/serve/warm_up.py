"""What a server prepares while its first visitor reads the page: the question encoder (an
OpenVINO compile, seconds) and, for a model that writes, the model loaded and reading ahead
(rag.serve.read_ahead). Both run in daemon threads; a failure is logged and the first
question reports it."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from rag.serve.read_ahead import prepare

if TYPE_CHECKING:
    from rag.pipeline import RAG

log = logging.getLogger("rag")


def warm_up_in_background(rag: RAG) -> None:
    """Start the question encoder's and the answer model's preparation; return at once."""
    threading.Thread(target=_warm_queries, args=(rag,), name="rag-warm-queries", daemon=True).start()
    if rag.settings.answer.answer_model != "extractive":
        threading.Thread(target=_warm_model, args=(rag,), name="rag-warm-up", daemon=True).start()


def _warm_model(rag: RAG) -> None:
    try:
        prepare(rag, follow_builds=True)  # a daemon thread: reads each new build's documents too
    except Exception as exc:  # the page still answers; the first question reports the problem
        log.warning("warning: the answer model %r could not be warmed up (%s).", rag.settings.answer.answer_model, exc)


def _warm_queries(rag: RAG) -> None:
    try:
        rag.embedder.encode_queries(["warm-up"])
    except Exception as exc:  # the first question reports it
        log.warning("warning: the question encoder could not be prepared (%s).", exc)
