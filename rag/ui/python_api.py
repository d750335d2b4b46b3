"""``rag.Library``: the library for Python programs that build on it. A folder of documents
and its index; add, remove and list documents, search, and ask (whole or streamed), with
the same Passage, Answer and Citation objects the REST API and the MCP server return.

    from rag import Library

    library = Library("my-documents")            # the index goes beside it: my-documents-index/
    library.add("report.pdf")                     # checked like an upload; indexed before it returns
    answer = library.ask("管道每年可輸送多少天然氣？")
    for c in answer.citations:
        print(c.key, c.location, c.text)           # c.text == the document's text[c.start:c.end]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from rag.answer.backends import Final, Token
from rag.errors import RagError
from rag.index.library import DocumentInfo, add_document, list_documents, live_manifest, remove_document
from rag.pipeline import RAG
from rag.settings import FLAT, FORMER, Settings, invalid_settings
from rag.types import Answer, Passage, Scope, Turn


class Library:
    """A folder of documents and its index. ``settings`` are any setting by its own name
    (``top_k=3``, ``answer_model="local"``); the rest come from RAG_* variables."""

    def __init__(self, folder: str | Path, index: str | Path | None = None, **settings: Any) -> None:
        folder = Path(folder)
        if not folder.is_dir():
            raise RagError(f"No folder {str(folder)!r}.", fix="Create it, or name the folder that holds your documents.")
        index = Path(index) if index is not None else folder.with_name(folder.name + "-index")
        try:
            chosen = Settings(corpus_dir=folder, index_dir=index, **settings)
        except (ValidationError, SettingsError) as exc:  # its text quotes the rejected value, which may be a secret
            raise RagError(f"Invalid setting: {invalid_settings(exc)}.", fix="Check the arguments and the RAG_* variables.") from None
        unknown = sorted(set(settings) - set(FLAT) - set(FORMER))
        if unknown:
            raise RagError(f"Unknown setting(s) {unknown}.", fix="`rag settings` lists them by name.")
        self._rag = RAG(chosen)

    @property
    def settings(self) -> Settings:
        return self._rag.settings

    def documents(self) -> list[DocumentInfo]:
        """Every document of the folder: type, pages, paragraphs, and whether it is indexed."""
        return list_documents(self.settings, live_manifest(self.settings))

    def add(self, path: str | Path, data: bytes | None = None, *, index: bool = True) -> str:
        """Copy a file (or ``data`` under the name ``path``) into the folder, checked as an
        upload is; with ``index``, update the index before returning. The document's id."""
        source = Path(path)
        doc_id = add_document(self.settings, source.name, source.read_bytes() if data is None else data)
        if index:
            self.update()
        return doc_id

    def remove(self, doc_id: str, *, index: bool = True) -> None:
        """Delete a document from the folder; with ``index``, update the index now."""
        remove_document(self.settings, doc_id)
        if index:
            self.update()

    def update(self) -> None:
        """Bring the index up to date with the folder (only changed files are read, only new
        paragraphs embedded)."""
        if self._rag.retriever is not None and self._rag.status().state != "fresh":
            self._rag.build()
        self._rag.ensure_index()

    def search(
        self,
        question: str,
        k: int = 5,
        *,
        documents: Sequence[str] = (),
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
    ) -> list[Passage]:
        """The ``k`` paragraphs that best match ``question``, best first, in those documents or dates."""
        return self._rag.retrieve(question, k, scope=Scope.typed(documents, since, until))

    def ask(
        self,
        question: str,
        *,
        model: str | None = None,
        documents: Sequence[str] = (),
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        history: Sequence[Turn] = (),
    ) -> Answer:
        """The answer with its citations, each sentence checked against the paragraph it cites."""
        return self._rag.ask(question, model=model, scope=Scope.typed(documents, since, until), history=history)

    def stream(
        self, question: str, *, model: str | None = None, documents: Sequence[str] = (), history: Sequence[Turn] = ()
    ) -> Iterator[str | Answer]:
        """The answer's text as it is written (pieces of ``str``), then the checked ``Answer``."""
        for event in self._rag.ask_stream(question, model=model, scope=Scope.typed(documents, None, None), history=history):
            if isinstance(event, Final):
                yield event.answer
            elif isinstance(event, Token):
                yield event.text
