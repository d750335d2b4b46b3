"""``RAG``: the object behind the CLI, the web page and ``rag.retrieve``/``rag.ask``.

It owns the loaded model and index, rebuilds a missing or stale index when allowed,
and checks every question before using it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path

from pydantic import ValidationError
from pydantic_settings import SettingsError

from rag.answer.backends import AnswerBackend, Draft, Event, Final, Token, available, final_answer, load_backend
from rag.answer.disagreement import noting_disagreement
from rag.answer.excerpts import fits
from rag.answer.streams import as_asked, guarded, timed
from rag.corpus.files import corpus_of
from rag.corpus.progress import page_progress
from rag.errors import RagError
from rag.index.build import BuildProgress, BuildReport, build_index, index_status
from rag.index.lexical import lexical_tokens
from rag.index.refresher import BackgroundIndexer
from rag.index.store import REBUILD_HINT, current_build, load_build
from rag.models.embedding import get_embedder
from rag.models.llama import LibraryReading
from rag.retrieval.followups import Rewrite, conversation_ranking, finds_nothing_clear, standalone
from rag.retrieval.fusion import clear_by
from rag.retrieval.gather import gather, whole_document
from rag.retrieval.retriever import Retriever
from rag.settings import Settings, invalid_settings
from rag.text.kinds import is_open, question_kind
from rag.text.language import detect_language
from rag.text.questions import ASK_IN_WORDS, EXAMPLE, NO_CONTENT, check_k, clean_question, no_content_reason
from rag.types import MODES, Answer, Passage, Scope, Turn

log = logging.getLogger("rag")
FOLLOW_UP_DEPTH = 20  # passages of each ranking fused for a follow-up


class RAG:
    def __init__(self, settings: Settings | None = None, progress: bool = False) -> None:
        if settings is None:
            try:
                settings = Settings()
            except (ValidationError, SettingsError) as exc:  # its text quotes the rejected value, which may be a secret
                raise RagError(f"Invalid setting: {invalid_settings(exc)}.", fix="Check the RAG_* environment variables.") from None
        self.settings = settings
        self.progress = progress
        self._lock = threading.RLock()
        self._retriever: Retriever | None = None
        self._backends: dict[str, AnswerBackend] = {}
        self.last_build: BuildReport | None = None
        self.library_reading = LibraryReading()  # what the answer model has read ahead (rag.serve.read_ahead)
        # Made here, not on first use under _lock: that lock is held while a model loads or
        # an index is built, and a health check or the Documents tab must not wait for either.
        # A build still embedding stops at its next slice when a newer request waits (a file
        # added or removed meanwhile), so that change is searchable in seconds too.
        self.indexer = BackgroundIndexer(lambda report: self.build(False, report, should_stop=lambda: self.indexer.state.queued))

    @property
    def embedder(self):
        return get_embedder(self.settings)

    def build(
        self, progress: bool | None = None, on_progress: BuildProgress | None = None, should_stop: Callable[[], bool] | None = None
    ) -> BuildReport:
        """Build (or rebuild) the index now, whatever state it is in, and answer from it.

        Questions asked meanwhile are answered from the previous build: the index folder's
        own lock keeps builders apart, not this object's, which questions need too."""
        shown = self.progress if progress is None else progress
        report = build_index(
            self.settings, self.embedder, progress=shown, on_progress=on_progress, on_searchable=self.answer_from, should_stop=should_stop
        )
        self.answer_from(Path(report.folder))
        with self._lock:
            self.last_build = report
        return report

    def answer_from(self, folder: Path) -> None:
        # A build that cannot be loaded fails here, and questions go on from the one before.
        # No lock: this runs under the index folder's lock, which ensure_index takes inside
        # self._lock (the other order would deadlock); replacing a reference is atomic.
        self._retriever = Retriever(load_build(folder), self.embedder, self.settings)

    @property
    def retriever(self) -> Retriever | None:
        """The loaded index, or None before one is."""
        return self._retriever

    @property
    def manifest(self) -> dict | None:
        """The manifest of the index questions are answered from; None before one is loaded."""
        retriever = self._retriever
        return retriever.stored.manifest if retriever is not None else None

    def status(self):
        return index_status(self.settings, corpus_of(self.settings, peek=True))

    def ensure_index(self) -> Retriever:
        """Load the index, building it first if it is missing or no longer matches the corpus."""
        if self._retriever is not None:
            return self._retriever
        if self.indexer.state.running:  # a server's first build: not a second one in the foreground
            raise RagError("The index is being built.", fix="Ask again when it is done (GET /api/health says).", status=503)
        with self._lock:
            if self._retriever is not None:
                return self._retriever
            corpus = corpus_of(self.settings, page_progress(self.progress))
            status = index_status(self.settings, corpus)
            if status.state == "partial":  # stopped mid-way: searchable now; `rag index` finishes it
                log.warning("warning: %s; `rag index` completes it.", status.reasons[0])
            elif status.state != "fresh":
                why = "; ".join(status.reasons)
                if not self.settings.index.auto_rebuild:
                    raise RagError(f"The index is {status.state} ({why}).", fix=REBUILD_HINT)
                log.warning("Index %s (%s): building it now.", status.state, why)
                try:
                    self.last_build = build_index(self.settings, self.embedder, progress=self.progress, corpus=corpus)
                except RagError as exc:
                    # A read-only or full index folder: an older build still answers, with a warning.
                    if status.state != "stale" or not isinstance(exc.__cause__, OSError):
                        raise
                    log.warning("warning: %s Answering from the older index until then.", exc)
            folder = current_build(self.settings.index.index_dir)
            if folder is None:  # pragma: no cover - build_index just wrote it
                raise RagError("No index was found after building.", fix=REBUILD_HINT)
            try:
                stored = load_build(folder)
            except RagError:
                if not self.settings.index.auto_rebuild:
                    raise
                log.warning("Index in %s is damaged: rebuilding it.", folder)
                self.last_build = build_index(self.settings, self.embedder, progress=self.progress, corpus=corpus)
                stored = load_build(current_build(self.settings.index.index_dir) or folder)
            self._retriever = Retriever(stored, self.embedder, self.settings)
            return self._retriever

    def retrieve(
        self,
        question: str,
        k: int | None = None,
        mode: str | None = None,
        scope: Scope | None = None,
        history: Sequence[Turn] = (),
        model: str | None = None,
    ) -> list[Passage]:
        """The k best passages (of ``scope`` only); a follow-up is first made to stand alone
        with the conversation's ``history`` (by ``model`` when RAG_FOLLOW_UP_REWRITER=model)."""
        question = clean_question(question, self.settings.retrieval.max_question_chars)
        k = self._check(k, mode)  # before anything loads the index or the model
        return self.search_standalone(self.make_standalone(question, history, model, scope, mode), k, mode, scope)

    def search_standalone(self, made: Rewrite, k: int, mode: str | None = None, scope: Scope | None = None) -> list[Passage]:
        """Retrieval for a question already made to stand alone (``make_standalone``)."""
        reason = self.no_content(made.standalone)
        if reason is not None:
            raise RagError(f"The question has nothing to search for: {NO_CONTENT[reason]['en']}.", fix=f"Ask in words, e.g. 「{EXAMPLE}」")
        return self._search(made.standalone, k, mode, scope, made.previous, made.rewritten)

    def _check(self, k: int | None, mode: str | None) -> int:
        """The checked k (default: the top_k setting); an unknown mode is refused."""
        if mode is not None and mode not in MODES:
            raise RagError(f"Unknown retrieval mode {mode!r}.", fix=f"Use one of: {', '.join(MODES)}.")
        return check_k(self.settings.retrieval.top_k if k is None else k)

    def make_standalone(
        self, question: str, history: Sequence[Turn], model: str | None = None, scope: Scope | None = None, mode: str | None = None
    ) -> Rewrite:
        """The question made to stand alone: without a model, or, with RAG_FOLLOW_UP_REWRITER=model
        and a generative answer model, by that model (the rewrite without one when it fails)."""
        margin = self.settings.margin_in_force(self.settings.retrieval.context_clear_margin)
        leans = None if not history or margin is None else partial(finds_nothing_clear, self.ensure_index(), margin, scope, mode)
        made = standalone(question, history, leans)
        if not history or self.settings.retrieval.follow_up_rewriter != "model":
            return made
        rewrite = getattr(self.backend(model), "rewrite_follow_up", None)
        line = rewrite(question, history) if rewrite is not None else None
        return replace(made, standalone=line) if line else made

    def _search(
        self, question: str, k: int, mode: str | None, scope: Scope | None = None, previous: str = "", follow_up: bool = False
    ) -> list[Passage]:
        """Retrieval for a question already cleaned and checked, with a checked k; in a
        conversation its ranking is fused with the ``previous`` question's (more for a
        follow-up that was rewritten, a little for a question that seemed to stand alone)."""
        retriever = self.ensure_index()
        weight = self.settings.retrieval.follow_up_weight if follow_up else self.settings.retrieval.context_weight
        if not previous or weight == 0:
            return retriever.search(question, k, mode, scope=scope)
        depth = max(k, FOLLOW_UP_DEPTH)
        own = retriever.search(question, depth, mode, scope=scope)
        if not follow_up and clear_by(own, self.settings.margin_in_force(self.settings.retrieval.context_clear_margin)):
            return own[:k]
        before = retriever.search(previous, depth, mode, scope=scope)
        return conversation_ranking(own, before, k, weight)

    def no_content(self, question: str) -> str | None:
        """Why the question has nothing to search for (a NO_CONTENT key), or None. A Latin
        word the corpus itself uses (a name, a code) counts as a word."""

        def in_corpus(word: str) -> bool:
            lexical = self.ensure_index().stored.lexical
            return lexical is not None and lexical.known_share(lexical_tokens(word)) > 0

        return no_content_reason(question, in_corpus)

    def backend(self, name: str | None = None) -> AnswerBackend:
        """The answer backend called ``name`` (default: the answer_model setting), loaded once."""
        name = name or self.settings.answer.answer_model
        with self._lock:
            if name not in self._backends:
                self._backends[name] = load_backend(name, self.settings, self.embedder)
            return self._backends[name]

    def warm_up(self, model: str | None = None) -> None:
        """Load the answer model and let it read a first prompt, so the first question does not wait for that."""
        warm = getattr(self.backend(model), "warm_up", None)
        if warm is not None:
            warm()

    def use_backend(self, backend: AnswerBackend) -> None:
        """Answer with ``backend`` under its name without registering an entry point (e.g. a replay)."""
        with self._lock:
            self._backends[backend.name] = backend

    def ask_stream(
        self,
        question: str,
        k: int | None = None,
        model: str | None = None,
        mode: str | None = None,
        scope: Scope | None = None,
        history: Sequence[Turn] = (),
    ) -> Iterator[Event]:
        """Tokens as the model writes them, then one Final with the verified answer.

        A follow-up is made to stand alone with the conversation's ``history`` (user and
        assistant turns, oldest first) and answered as that standalone question, searched
        in ``scope`` only. A model that cannot be loaded or fails yields a Final whose
        ``error`` says why, with the retrieved passages, so callers can still show what was found."""
        started = time.perf_counter()
        asked = clean_question(question, self.settings.retrieval.max_question_chars)
        k = self._check(k, mode)
        made = self.make_standalone(asked, history, model, scope, mode)
        events = self._ask_standalone(made.standalone, k, model, mode, scope, made.previous, made.rewritten, started)
        return as_asked(events, asked, made.standalone) if made.rewritten else events

    def _ask_standalone(
        self,
        question: str,
        k: int,
        model: str | None,
        mode: str | None,
        scope: Scope | None,
        previous: str,
        follow_up: bool,
        started: float,
    ) -> Iterator[Event]:
        reason = self.no_content(question)
        if reason is not None:  # abstain, saying why, instead of quoting whatever is closest
            language = detect_language(question)
            text = ASK_IN_WORDS[language].format(reason=NO_CONTENT[reason][language])
            refusal = Answer(question=question, text=text, abstained=True, model=model or self.settings.answer.answer_model)
            return iter([Token(text), Final(refusal)])
        passages = self._search(question, k, mode, scope, previous, follow_up)  # cleaned and checked once, above
        passages = self.evidence(question, passages, mode, scope, model)
        retrieved = time.perf_counter()
        writes = (model or self.settings.answer.answer_model) != "extractive"  # a model's first word; quotes have none
        events: Iterator[Event] = self.answer_stream(question, passages, model)
        if writes and self.settings.answer.instant_answer:
            events = self._with_draft(question, passages, events)
        return timed(events, started, retrieved, writes)

    def _with_draft(self, question: str, passages: list[Passage], events: Iterator[Event]) -> Iterator[Event]:
        """The extractive quote first (a fraction of a second), then the model's events."""
        quote = final_answer(self.answer_stream(question, passages, "extractive"))
        if not quote.abstained and not quote.error:
            yield Draft(quote)
        yield from events

    def evidence(
        self, question: str, passages: list[Passage], mode: str | None = None, scope: Scope | None = None, model: str | None = None
    ) -> list[Passage]:
        """What a question that needs explaining is answered from (rag.retrieval.gather): the
        passages found, or the document's map, neighbours, several paragraphs by its kind. A
        model that saves its readings reads a short document whole instead (the same prompt
        for every question on it, which it may have read already: rag.serve.read_ahead)."""
        kind = question_kind(question)
        retriever = self._retriever  # the build the passages came from, unless one was swapped in meanwhile
        if not self.settings.answer.open_answers or not is_open(kind) or retriever is None:
            return passages
        floor = self.settings.answer.relevance_floor_en if detect_language(question) == "en" else self.settings.answer.relevance_floor_zh
        gathered = gather(kind, question, passages, retriever, mode, scope, floor)
        try:
            saves_readings = getattr(self.backend(model), "states", None) is not None
        except RagError:  # reported when it is asked to answer
            return gathered
        if not saves_readings:
            return gathered
        whole = whole_document(gathered, retriever, self.settings.answer.answer_passages)
        return whole if whole is not None and fits(whole, self.settings.answer.open_prompt_budget) else gathered

    def answer_stream(self, question: str, passages: list[Passage], model: str | None = None) -> Iterator[Token | Final]:
        name = model or self.settings.answer.answer_model
        try:
            backend = self.backend(name)
        except RagError as exc:
            if name not in available():
                raise  # a wrong name is the caller's mistake, not a model failure
            return iter([Final(Answer(question=question, text="", passages=passages, model=name, error=str(exc)))])
        events = guarded(backend.stream(question, passages), question, passages, name)
        if not self.settings.answer.note_disagreement:
            return events
        bars = {"zh": self.settings.answer.min_answer_score_zh, "en": self.settings.answer.min_answer_score_en}
        return noting_disagreement(events, question, self.embedder, bars)

    def ask(
        self,
        question: str,
        k: int | None = None,
        model: str | None = None,
        mode: str | None = None,
        scope: Scope | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        return final_answer(self.ask_stream(question, k, model, mode, scope, history))

    def answer(
        self, question: str, passages: list[Passage], model: str | None = None, mode: str | None = None, scope: Scope | None = None
    ) -> Answer:
        """Answer from passages already retrieved (with ``mode`` and in ``scope``: the evidence a
        question that needs explaining gathers is searched the same way)."""
        question = clean_question(question, self.settings.retrieval.max_question_chars)
        started, writes = time.perf_counter(), (model or self.settings.answer.answer_model) != "extractive"
        passages = self.evidence(question, passages, mode, scope, model)
        return final_answer(timed(self.answer_stream(question, passages, model), started, started, writes))
