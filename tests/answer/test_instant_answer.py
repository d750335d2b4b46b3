"""With a model that writes its own answer, the extractive quote comes first, as soon as
retrieval is done (a Draft), then the model's tokens, then its verified answer."""

from __future__ import annotations

import pytest

from rag.answer.backends import Draft, Final, Token
from rag.pipeline import RAG
from rag.types import Answer
from tests.conftest import KEY_ANSWER, KEY_QUESTION

pytestmark = pytest.mark.slow


class WritingBackend:
    """A stand-in for a model: two words, then an answer of its own."""

    name = "writer"

    def stream(self, question, passages):
        yield Token("模型")
        yield Token("的答案")
        yield Final(Answer(question=question, text="模型的答案", passages=passages, model=self.name))


def writer_rag(seed_rag, **settings) -> RAG:
    rag = RAG(seed_rag.settings.changed(**settings))
    rag._retriever = seed_rag.ensure_index()
    rag.use_backend(WritingBackend())
    return rag


def test_the_quote_comes_before_the_models_first_word(seed_rag):
    events = list(writer_rag(seed_rag).ask_stream(KEY_QUESTION, model="writer"))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["Draft", "Token", "Token", "Final"]
    draft, final = events[0], events[-1]
    assert isinstance(draft, Draft) and KEY_ANSWER in draft.answer.text and draft.answer.citations
    assert isinstance(final, Final) and final.answer.text == "模型的答案"
    t = final.answer.timings
    assert t.retrieval_ms is not None and t.first_token_ms is not None and t.retrieval_ms < t.first_token_ms <= t.total_ms


def test_no_quote_when_switched_off_or_when_nothing_is_quotable(seed_rag):
    assert not any(isinstance(e, Draft) for e in writer_rag(seed_rag, instant_answer=False).ask_stream(KEY_QUESTION, model="writer"))
    off_topic = list(writer_rag(seed_rag).ask_stream("How do I bake sourdough bread?", model="writer"))
    assert not any(isinstance(e, Draft) for e in off_topic)  # the quote abstains: nothing true to show first
    assert not any(isinstance(e, Draft) for e in seed_rag.ask_stream(KEY_QUESTION))  # extractive is the quote itself
