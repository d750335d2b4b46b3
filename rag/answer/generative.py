"""Shared by every model that writes its own answer: gate on relevance, prompt,
stream the model's tokens, then verify the citations (rag.citations.verify)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, cast

from rag.answer.backends import Final, Token, Usage
from rag.answer.excerpts import excerpts
from rag.answer.extractive import ExtractiveBackend
from rag.answer.injection import looks_like_injection
from rag.answer.prompts import build_messages, pointed_sentences, prompt_prefix
from rag.answer.rewrite import model_line, rewrite_messages
from rag.citations.clear_match import NAME as CLEAR_MATCH
from rag.citations.clear_match import may_quote_instead
from rag.citations.verify import CitationVerifier, Verified
from rag.errors import RagError
from rag.models.embedding import Embedder
from rag.models.llama import SavedStates
from rag.retrieval.fusion import clear_by
from rag.settings import Settings
from rag.text.kinds import is_open, question_kind
from rag.text.language import QUOTED_INSTEAD, REFUSALS, detect_language, normalize_for_matching
from rag.text.markers import KEY_SO_FAR
from rag.types import Answer, Passage, Timings, Turn

log = logging.getLogger("rag")


def _refusal_form(text: str) -> str:
    """Text as compared with the refusal phrase: no citation keys, sentence keys included
    ([1.6]), nor one still being written ("[2", "[1."), no spaces, one script."""
    return normalize_for_matching(re.sub(r"\s", "", KEY_SO_FAR.sub("", text)))


@dataclass(frozen=True)
class Tried:
    """One reading by the model: what it wrote, its token counts, whether all of it was held
    back as a possible refusal, and the error that stopped it."""

    text: str
    usage: Usage | None
    held: bool
    error: str = ""


class ChatModel(Protocol):
    """Streams the text of one chat completion; raises RagError on failure."""

    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str | Usage]: ...


class SavingChatModel(Protocol):
    """A chat model that saves what it has read (rag.answer.local.LocalChat): a prompt whose
    beginning was saved under ``resume`` reads only the rest."""

    states: SavedStates

    def stream_chat(self, messages: list[dict[str, str]], resume: str | None = None) -> Iterator[str | Usage]: ...

    def read_and_save(self, messages: list[dict[str, str]], key: str) -> int: ...


class GenerativeBackend:
    def __init__(self, name: str, chat: ChatModel, embedder: Embedder, settings: Settings) -> None:
        self.name = name
        self.chat = chat
        self.verifier = CitationVerifier(embedder, settings.citations, settings.citations.rules_off)
        self.passages_shown = settings.answer.answer_passages
        self.budget = settings.answer.prompt_budget
        self.retry_margin = settings.margin_in_force(settings.answer.refusal_retry_margin)
        self.lone_margin = settings.margin_in_force(settings.answer.lone_passage_margin)
        self.sentence_keys = settings.answer.citation_keys == "sentence"
        self.floor = {"zh": settings.answer.relevance_floor_zh, "en": settings.answer.relevance_floor_en}
        self.open_answers = settings.answer.open_answers
        self.open_budget = settings.answer.open_prompt_budget
        # Quotes the clear match when the model's answer is withheld (rag.citations.clear_match).
        off = CLEAR_MATCH in settings.citations.rules_off
        self.clear_quote = None if off else ExtractiveBackend.from_settings(settings, embedder).answerer
        # A model that saves its readings (rag.models.llama.SavedStates) opens each prompt in the
        # language of what it reads, not of the question, so one saved reading serves questions
        # in all three.
        states = getattr(chat, "states", None)
        self.saving: SavingChatModel | None = cast("SavingChatModel", chat) if states is not None else None
        self.states: SavedStates | None = states
        self._answering = 0  # questions being answered now (reading ahead waits for none)
        self._answering_lock = threading.Lock()

    def answering(self) -> bool:
        """Whether the model is writing for a question now (rag.serve.read_ahead waits)."""
        return self._answering > 0

    @contextmanager
    def _busy(self) -> Iterator[None]:
        with self._answering_lock:
            self._answering += 1
        try:
            yield
        finally:
            with self._answering_lock:
                self._answering -= 1

    def messages(self, question: str, read: list[Passage], language: str, kind: str = "lookup") -> list[dict[str, str]]:
        """The prompt for ``question`` over what the model reads (one builder, so what
        rag.serve.read_ahead reads is what a question's prompt begins with)."""
        return build_messages(question, read, language, self.sentence_keys, kind, self._head_language(read))

    def reading(self, read: list[Passage], language: str, kind: str = "lookup") -> tuple[list[dict[str, str]], str] | None:
        """What a prompt over ``read`` for a question in ``language`` begins with, as a prompt
        of its own, and the key its saved reading has; None without saved readings."""
        if self.states is None:
            return None
        prefix = prompt_prefix(read, language, self.sentence_keys or kind != "lookup", self._head_language(read))
        return [{"role": "user", "content": prefix}], self.states.key(prefix)

    def _head_language(self, read: list[Passage]) -> str | None:
        return detect_language("".join(p.text for p in read[:3])) if self.states is not None and read else None

    def warm_up(self) -> None:
        """Have the model read a short prompt now (loaded, its caches filled), not at the first question."""
        for _ in self.chat.stream_chat([{"role": "user", "content": "OK"}]):
            break

    def rewrite_follow_up(self, question: str, history: Sequence[Turn]) -> str | None:
        """The question rewritten by the model to stand alone, or None (model failed, or
        wrote no usable question). Reading stops at the end of its first line."""
        with self._busy():
            return self._rewrite(question, history)

    def _rewrite(self, question: str, history: Sequence[Turn]) -> str | None:
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
        # whose vectors are still being computed) has none to compare, and is shown. Evidence
        # read from a document's map (rag.retrieval.gather) was chosen for the document, which
        # the question named or the search found above the floor.
        gathered = any(set(p.found_by) & {"map", "neighbour", "document"} for p in passages)
        scores = [p.dense_score for p in passages if p.dense_score is not None]
        top = max(scores, default=None) if gathered else passages[0].dense_score  # gathered evidence is in document order
        by_map = any("map" in p.found_by for p in passages)
        if top is not None and top < floor and not by_map:
            return []
        return [p for p in passages[: self.passages_shown] if not looks_like_injection(p.text)]

    def views(self, passages: list[Passage], shown: list[Passage]) -> tuple[list[Passage], list[Passage] | None]:
        """What the model reads first, and what it reads if it then refuses (None: its refusal
        stands). A top passage clearly first (by the lone-passage margin) is shown alone
        (others would only be something else to quote), then with the others; one clearly first
        by the retry margin is shown with the others, then alone."""
        if len(shown) < 2 or shown[0].paragraph_id != passages[0].paragraph_id:
            return shown, None
        retry = clear_by(passages, self.retry_margin)
        if clear_by(passages, self.lone_margin):
            return shown[:1], shown if retry else None
        return shown, shown[:1] if retry else None

    def _quote_instead(
        self, question: str, language: str, passages: list[Passage], shown: list[Passage], text: str, held: Verified
    ) -> Verified | None:
        """The clear match's best sentence(s), quoted in place of a withheld answer, with the
        model's sentences kept beside it (rag.citations.clear_match); None when not allowed."""
        if self.clear_quote is None or not may_quote_instead(language, text, held.sentences, passages, shown, self.lone_margin):
            return None
        quote = self.clear_quote.answer(question, passages[:1])
        if quote.abstained:  # no sentence reaches extractive's bar
            return None
        return Verified(QUOTED_INSTEAD[language] + quote.text, quote.citations, held.sentences, False)

    def _pointed(self, read: list[Passage]) -> dict[tuple[int, int], str] | None:
        return pointed_sentences(read) if self.sentence_keys else None

    def write(
        self, question: str, read: list[Passage], language: str, hold_refusal: bool, kind: str = "lookup"
    ) -> Generator[Token, None, Tried]:
        """Yields the model's tokens as they come; returns what it wrote. With ``hold_refusal``,
        text that may still become the refusal phrase is held back (it may be asked again)."""
        refusal = _refusal_form(REFUSALS[language])
        pieces: list[str] = []
        usage, holding = None, hold_refusal
        messages = self.messages(question, read, language, kind)
        saved = self.reading(read, language, kind)
        try:
            stream = self.saving.stream_chat(messages, resume=saved[1]) if saved and self.saving else self.chat.stream_chat(messages)
            for delta in stream:
                if isinstance(delta, Usage):
                    usage = delta
                    continue
                pieces.append(delta)
                if holding and refusal.startswith(_refusal_form("".join(pieces))):
                    continue
                yield Token("".join(pieces) if holding else delta)
                holding = False
        except RagError as exc:
            return Tried("".join(pieces), usage, holding, str(exc))
        return Tried("".join(pieces), usage, holding)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]:
        with self._busy():
            yield from self._stream(question, passages)

    def _stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]:
        language = detect_language(question)
        shown = self.relevant(language, passages)
        if not shown:
            text = REFUSALS[language]
            yield Token(text)
            yield Final(Answer(question=question, text=text, passages=passages, abstained=True, model=self.name))
            return
        kind = question_kind(question) if self.open_answers else "lookup"
        if is_open(kind):
            yield from self._open(question, kind, language, passages, shown)
            return
        view, other_view = self.views(passages, shown)
        # The model reads excerpts (and, with sentence keys, numbered sentences of them); the
        # verifier checks against the whole paragraphs.
        read = excerpts(question, view, self.budget)
        first = yield from self.write(question, read, language, hold_refusal=other_view is not None)
        if first.error:  # retrieval still stands: return the passages with the error, never a half answer
            yield Final(Answer(question=question, text="", passages=passages, model=self.name, error=first.error))
            return
        checked, kept, tries = self.verifier.verify(first.text, view, language, question, self._pointed(read)), first, [first]
        if other_view is not None and first.held and checked.abstained and not checked.sentences:  # refused, nothing shown yet
            read = excerpts(question, other_view, self.budget)
            second = yield from self.write(question, read, language, hold_refusal=False)
            tries.append(second)
            kept = second  # what the model wrote last, kept (and replayed) even when it does not pass
            if second.error:  # the refusal stands; the retry only failed to improve it
                log.warning("Asking the model again failed: %s", second.error)
            else:
                again = self.verifier.verify(second.text, other_view, language, question, self._pointed(read))
                if not again.abstained:
                    checked = again
        elif first.held:  # nothing shown yet: the refusal the model wrote
            yield Token(first.text)
        quoted = None
        if checked.abstained and len(tries) == 1:  # not after a refusal: shown the clear match alone, it said no
            quoted = self._quote_instead(question, language, passages, shown, first.text, checked)
            checked = quoted or checked
        refused_first = first.text if len(tries) > 1 else ""
        yield Final(
            self._answer(question, passages, checked, tries, kept.text, refused_first=refused_first, quoted_instead=quoted is not None)
        )

    def _open(self, question: str, kind: str, language: str, passages: list[Passage], shown: list[Passage]) -> Iterator[Token | Final]:
        """A question that needs explaining: every gathered passage shown, with a larger budget
        and the kind's instruction; sentences no source backs are dropped, the rest stands."""
        read = excerpts(question, shown, self.open_budget)
        tried = yield from self.write(question, read, language, hold_refusal=False, kind=kind)
        if tried.error:
            yield Final(Answer(question=question, text="", passages=passages, model=self.name, error=tried.error))
            return
        written = one_item_a_sentence(tried.text) if kind == "list" else tried.text
        checked = self.verifier.verify(
            written, shown, language, question, pointed_sentences(read), open_answer=True, as_list=kind == "list"
        )
        yield Final(self._answer(question, passages, checked, [tried], tried.text))

    def _answer(
        self,
        question: str,
        passages: list[Passage],
        checked: Verified,
        tries: list[Tried],
        model_text: str,
        refused_first: str = "",
        quoted_instead: bool = False,
    ) -> Answer:
        """The answer as checked, with what the model wrote last and its token counts."""
        return Answer(
            question=question,
            text=checked.text,
            citations=checked.citations,
            passages=passages,
            abstained=checked.abstained,
            model=self.name,
            sentences=checked.sentences,
            model_text=model_text,
            timings=_timings(tries),
            refused_first=refused_first,
            quoted_instead=quoted_instead,
        )


_BULLET = re.compile(r"^\s*(?:[-*•・]|\d{1,2}[.、)）])\s*")
_TRAILING_KEYS = re.compile(r"((?:\s*[\[［][\d.,，、\s]+[\]］])*)\s*$")


def one_item_a_sentence(text: str) -> str:
    """A list the model wrote (one item a line, '- ' or '1.' before it) as sentences the
    claims parser splits: bullets dropped, each item ended before its keys."""
    items = []
    for line in text.splitlines():
        item = _BULLET.sub("", line).strip()
        keys = _TRAILING_KEYS.search(item)  # matches at the end, keys or not
        at = keys.start() if keys else len(item)
        body, tail = item[:at].strip(" -"), item[at:].strip()
        if not body:
            continue
        if body[-1] not in "。！？.!?；;":
            body += "." if body[-1].isascii() else "。"
        items.append(f"{body}{tail}")
    return (" " if items and items[0][:1].isascii() else "").join(items) or text


def _timings(tries: list[Tried]) -> Timings:
    """Tokens read and written over every reading (both, when the model was asked twice)."""
    usages = [t.usage for t in tries if t.usage is not None]
    if not usages:
        return Timings()
    return Timings(
        prompt_tokens=sum(u.prompt_tokens for u in usages),
        cached_prompt_tokens=sum(u.cached_tokens for u in usages),
        completion_tokens=sum(u.completion_tokens for u in usages),
    )
