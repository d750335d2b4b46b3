"""Wrappers around an answer's events (rag.answer.backends): its timings, the question a
follow-up was asked as, and a backend that fails or crashes turned into a Final with
``error``. The pipeline (rag.pipeline.RAG) puts them around every answer."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from rag.answer.backends import Event, Final, Token
from rag.errors import RagError
from rag.types import Answer, Passage

log = logging.getLogger("rag")


def timed(events: Iterator[Event], started: float, retrieved: float, writes: bool) -> Iterator[Event]:
    """The events, with the answer's timings: retrieval, the model's first word, the whole."""
    first: float | None = None
    for event in events:
        if isinstance(event, Final):
            ms = lambda t: round(1000 * (t - started), 1)  # noqa: E731 - one small conversion
            update = {"retrieval_ms": ms(retrieved), "total_ms": ms(time.perf_counter())}
            update["first_token_ms"] = ms(first) if first is not None and writes else None
            event = Final(event.answer.model_copy(update={"timings": event.answer.timings.model_copy(update=update)}))
        elif isinstance(event, Token) and first is None:
            first = time.perf_counter()
        yield event


def as_asked(events: Iterator[Event], asked: str, standalone: str) -> Iterator[Event]:
    """The answer to a rewritten follow-up, under the question as asked, with the rewrite shown."""
    for event in events:
        if isinstance(event, Final):
            event = Final(event.answer.model_copy(update={"question": asked, "standalone_question": standalone}))
        yield event


def guarded(events: Iterator[Token | Final], question: str, passages: list[Passage], name: str) -> Iterator[Token | Final]:
    """Whatever a backend (built-in or plugin) does wrong ends in a Final with ``error``
    and the retrieved passages, so callers always have something true to show."""
    try:
        for event in events:
            yield event
            if isinstance(event, Final):
                return
    except RagError as exc:
        error = str(exc)
    except Exception as exc:  # a crashing plugin must not take the page or the CLI down
        log.exception("Answer model %r crashed", name)
        error = f"The answer model {name!r} crashed ({type(exc).__name__}: {exc}). Try again, or use --model extractive."
    else:
        error = f"The answer model {name!r} ended without an answer. Try again, or use --model extractive."
    yield Final(Answer(question=question, text="", passages=passages, model=name, error=error))
