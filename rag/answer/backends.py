"""Answer backends: the protocol, and the registry that finds them by name.

Backends register under the ``rag.backends`` entry-point group; the built-ins are
declared in this project's pyproject.toml exactly as a third-party package would
declare its own:

    [project.entry-points."rag.backends"]
    mine = "my_package.module:MyBackend"

An entry point names a class with ``from_settings(settings, embedder)`` whose instances
have a ``name`` and ``stream(question, passages)`` yielding ``Token`` events and, last,
one ``Final`` carrying the ``Answer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rag.errors import RagError
from rag.types import Answer, Passage

if TYPE_CHECKING:
    from rag.models.embedding import Embedder
    from rag.settings import Settings

GROUP = "rag.backends"


@dataclass(frozen=True)
class Token:
    text: str


@dataclass(frozen=True)
class Final:
    answer: Answer


@dataclass(frozen=True)
class Draft:
    """Something true to read while a model writes: the extractive quote of the retrieved
    passages, shown as a quote until the model's verified answer (the Final) replaces it."""

    answer: Answer


Event = Token | Final | Draft


@dataclass(frozen=True)
class Usage:
    """Tokens read and written for one answer, as a chat model reports them (last)."""

    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int = 0  # of the prompt tokens, those not read again (prompt_tokens_details)

    @classmethod
    def of(cls, chunk: object) -> Usage | None:
        """The usage an OpenAI-style stream chunk carries (``stream_options.include_usage``)."""
        usage = chunk.get("usage") if isinstance(chunk, dict) else None
        if not isinstance(usage, dict):
            return None
        details = usage.get("prompt_tokens_details")
        cached = int(details.get("cached_tokens") or 0) if isinstance(details, dict) else 0
        return cls(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0), cached)


@runtime_checkable
class AnswerBackend(Protocol):
    name: str

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]: ...


def available() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def load_backend(name: str, settings: Settings, embedder: Embedder) -> AnswerBackend:
    found = available()
    if name not in found:
        raise RagError(f"Unknown answer model {name!r}.", fix=f"Use one of: {', '.join(sorted(found)) or '(none installed)'}.")
    factory = found[name].load()
    backend = factory.from_settings(settings, embedder)
    if not isinstance(backend, AnswerBackend):
        raise RagError(f"Answer model {name!r} ({found[name].value}) does not implement stream().", fix="Fix or uninstall that plugin.")
    return backend


def final_answer(events: Iterator[Event]) -> Answer:
    for event in events:
        if isinstance(event, Final):
            return event.answer
    raise RagError("The answer model ended without an answer.", fix="Try again, or use --model extractive.")
