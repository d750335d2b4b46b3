"""Shared by every model that writes its own answer: gate on relevance, prompt,
stream the model's tokens, then verify the citations (rag.citations.verify)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from rag.answer.backends import Final, Token, Usage
from rag.answer.excerpts import excerpts
from rag.answer.injection import looks_like_injection
from rag.answer.prompts import build_messages
from rag.answer.rewrite import model_line, rewrite_messages
from rag.citations.verify import CitationVerifier
from rag.errors import RagError
from rag.models.embedding import Embedder
from rag.settings import Settings
from rag.text.language import REFUSALS, detect_language
from rag.types import Answer, Passage, Timings, Turn


class ChatModel(Protocol):
    """Streams the text of one chat completion; raises RagError on failure."""

    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str | Usage]: ...


class GenerativeBackend:
    def __init__(self, name: str, chat: ChatModel, embedder: Embedder, settings: Settings) -> None:
        self.name = name
        self.chat = chat
        self.verifier = CitationVerifier(embedder, settings.citations, settings.citation_rules_off)
        self.passages_shown = settings.answer_passages
        self.budget = settings.prompt_budget
        self.floor = {"zh": settings.relevance_floor_zh, "en": settings.relevance_floor_en}

    def warm_up(self) -> None:
        """Have the model read a short prompt now (loaded, its caches filled), not at the first question."""
        for _ in self.chat.stream_chat([{"role": "user", "content": "OK"}]):
            break

    def rewrite_follow_up(self, question: str, history: Sequence[Turn]) -> str | None:
        """The question rewritten by the model to stand alone, or None (model failed, or
        wrote no usable question). Reading stops at the end of its first line."""
        written = ""
        try:
            for piece in self.chat.stream_chat(rewrite_messages(question, history, detect_language(question))):
                written += piece if isinstance(piece, str) else ""
                if "\n" in written.strip() or len(written) > 3 * len(question) + 80:
                    break
        except RagError:
            return None
        return model_line(written, question)

    def relevant(self, language: str, passages: list[Passage]) -> list[Passage]:
        """Passages worth showing the model for a question in ``language``: none when even the
        best is off-topic, and never one that addresses the model (rag.answer.injection); keys
        stay the passages' ranks."""
        floor = self.floor["en" if language == "en" else "zh"]
        if not passages:
            return []
        # The floor is a cosine: a passage found by words alone (lexical mode, or a document
        # whose vectors are still being computed) has none to compare, and is shown.
        top = passages[0].dense_score
        if top is not None and top < floor:
            return []
        return [p for p in passages[: self.passages_shown] if not looks_like_injection(p.text)]

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]:
        language = detect_language(question)
        shown = self.relevant(language, passages)
        if not shown:
            text = REFUSALS[language]
            yield Token(text)
            yield Final(Answer(question=question, text=text, passages=passages, abstained=True, model=self.name))
            return
        pieces: list[str] = []
        usage = None
        try:
            # The model reads excerpts; the verifier below checks against the whole paragraphs.
            for delta in self.chat.stream_chat(build_messages(question, excerpts(question, shown, self.budget), language)):
                if isinstance(delta, Usage):
                    usage = delta
                    continue
                pieces.append(delta)
                yield Token(delta)
        except RagError as exc:
            # Retrieval still stands: return the passages with the error, never a half answer.
            yield Final(Answer(question=question, text="", passages=passages, model=self.name, error=str(exc)))
            return
        written = "".join(pieces)
        checked = self.verifier.verify(written, shown, language, question)
        yield Final(
            Answer(
                question=question,
                text=checked.text,
                citations=checked.citations,
                passages=passages,
                abstained=checked.abstained,
                model=self.name,
                sentences=checked.sentences,
                model_text=written,
                timings=Timings(prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens) if usage else Timings(),
            )
        )
