"""``extractive``: no model; quotes the best sentences verbatim (rag.extractive)."""

from __future__ import annotations

from collections.abc import Iterator

from rag.backends import Final, Token
from rag.embedding import Embedder
from rag.extractive import ExtractiveAnswerer
from rag.settings import Settings
from rag.types import Passage


class ExtractiveBackend:
    name = "extractive"

    def __init__(self, answerer: ExtractiveAnswerer) -> None:
        self.answerer = answerer

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> ExtractiveBackend:
        thresholds = {"zh": settings.min_answer_score_zh, "en": settings.min_answer_score_en}
        return cls(ExtractiveAnswerer(embedder, thresholds))

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]:
        answer = self.answerer.answer(question, passages)
        yield Token(answer.text)
        yield Final(answer)
