"""Hand-built sentence verdicts and question closeness for the answer-rule tests."""

from __future__ import annotations

from rag.citations.rules.base import Closeness
from rag.types import SentenceSupport


def said(text: str, keys: list[int], supported: bool | None = True) -> SentenceSupport:
    return SentenceSupport(text=text, cited=keys, keys=keys if supported else [], supported=supported)


def closeness(sentences: list[SentenceSupport], values: dict[str, float], lead: int = 0) -> Closeness:
    """Each sentence's closeness to the question by its text; counts the encodes it makes."""
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> list[float]:
        calls.append(texts)
        return [values[t] for t in texts]

    out = Closeness(sentences, lead, encode)
    out.calls = calls  # type: ignore[attr-defined]
    return out
