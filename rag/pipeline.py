"""``RAG``: the object behind the CLI, the web page and ``rag.retrieve``/``rag.ask``.

It owns the loaded model and index, rebuilds a missing or stale index when allowed,
and checks every question before using it.
"""

from __future__ import annotations

import logging
import threading

from rag.corpus import load_corpus
from rag.embedding import get_embedder
from rag.errors import RagError
from rag.extractive import ExtractiveAnswerer
from rag.index_store import REBUILD_HINT, current_build, load_build
from rag.indexer import BuildReport, build_index, index_status
from rag.questions import check_k, clean_question
from rag.retriever import MODES, Retriever
from rag.settings import Settings
from rag.types import Answer, Passage

log = logging.getLogger("rag")


class RAG:
    def __init__(self, settings: Settings | None = None, progress: bool = False) -> None:
        self.settings = settings or Settings()
        self.progress = progress
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self.last_build: BuildReport | None = None

    @property
    def embedder(self):
        return get_embedder(self.settings)

    def build(self) -> BuildReport:
        """Build (or rebuild) the index now, whatever state it is in."""
        with self._lock:
            self.last_build = build_index(self.settings, self.embedder, progress=self.progress)
            self._retriever = None
            return self.last_build

    def status(self):
        return index_status(self.settings, load_corpus(self.settings.corpus_dir))

    def ensure_index(self) -> Retriever:
        """Load the index, building it first if it is missing or no longer matches the corpus."""
        if self._retriever is not None:
            return self._retriever
        with self._lock:
            if self._retriever is not None:
                return self._retriever
            corpus = load_corpus(self.settings.corpus_dir)
            status = index_status(self.settings, corpus)
            if status.state != "fresh":
                why = "; ".join(status.reasons)
                if not self.settings.auto_rebuild:
                    raise RagError(f"The index is {status.state} ({why}).", fix=REBUILD_HINT)
                log.warning("Index %s (%s): building it now.", status.state, why)
                self.last_build = build_index(self.settings, self.embedder, progress=self.progress, corpus=corpus)
            folder = current_build(self.settings.index_dir)
            if folder is None:  # pragma: no cover - build_index just wrote it
                raise RagError("No index was found after building.", fix=REBUILD_HINT)
            try:
                stored = load_build(folder)
            except RagError:
                if not self.settings.auto_rebuild:
                    raise
                log.warning("Index in %s is damaged: rebuilding it.", folder)
                self.last_build = build_index(self.settings, self.embedder, progress=self.progress, corpus=corpus)
                stored = load_build(current_build(self.settings.index_dir) or folder)
            s = self.settings
            self._retriever = Retriever(stored, self.embedder, s.retrieval_mode, s.fusion, s.lexical_weight, s.candidates)
            return self._retriever

    def retrieve(self, question: str, k: int | None = None, mode: str | None = None) -> list[Passage]:
        question = clean_question(question, self.settings.max_question_chars)
        k = check_k(self.settings.top_k if k is None else k)
        if mode is not None and mode not in MODES:
            raise RagError(f"Unknown retrieval mode {mode!r}.", fix=f"Use one of: {', '.join(MODES)}.")
        return self.ensure_index().search(question, k, mode)

    def ask(self, question: str, k: int | None = None) -> Answer:
        passages = self.retrieve(question, k)
        return self.answer(question, passages)

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        """Answer from passages already retrieved."""
        question = clean_question(question, self.settings.max_question_chars)
        thresholds = {"zh": self.settings.min_answer_score_zh, "en": self.settings.min_answer_score_en}
        return ExtractiveAnswerer(self.embedder, thresholds).answer(question, passages)
