"""Which paragraphs a question's scope allows (rag.types.Scope), worked out once per index,
so both channels filter before ranking and the k passages all come from the scope."""

from __future__ import annotations

import datetime as dt
from pathlib import Path, PurePosixPath

import numpy as np

from rag.errors import RagError
from rag.index.store import StoredIndex
from rag.types import Scope


def _day(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def document_date(entry: dict, corpus_dir: Path | None) -> dt.date | None:
    """A document's date: its own (a `date` line, PDF/Office metadata), else the file's
    modification day as the build saw it, else as it is now."""
    day = _day(entry.get("date")) or _day(entry.get("modified"))
    if day is None and corpus_dir is not None:
        try:
            day = dt.datetime.fromtimestamp((corpus_dir / entry["doc_id"]).stat().st_mtime, dt.UTC).date()
        except OSError:
            return None
    return day


class ScopeFilter:
    def __init__(self, stored: StoredIndex, paragraph_ids: list[str], corpus_dir: Path | None = None) -> None:
        entries = stored.manifest.get("documents", [])
        self.doc_ids = [str(e["doc_id"]) for e in entries]
        self.dates = [document_date(e, corpus_dir) for e in entries]
        position = {d: i for i, d in enumerate(self.doc_ids)}
        self.doc_of_paragraph = np.array([position.get(stored.paragraphs[p].doc_id, -1) for p in paragraph_ids], dtype=np.int64)

    def _named(self, name: str) -> int:
        if name in self.doc_ids:
            return self.doc_ids.index(name)
        by_name = [i for i, d in enumerate(self.doc_ids) if PurePosixPath(d).name == name]
        if len(by_name) == 1:
            return by_name[0]
        shown = ", ".join(self.doc_ids[:8]) + (" …" if len(self.doc_ids) > 8 else "")
        raise RagError(f"No document {name!r} in the index.", fix=f"Name one of: {shown} (`rag documents` lists them).", status=404)

    def mask(self, scope: Scope | None) -> np.ndarray | None:
        """True for each paragraph position in the scope; None when everything is."""
        if scope is None or scope.everything:
            return None
        if scope.since and scope.until and scope.since > scope.until:
            raise RagError(f"The date range is empty: {scope.since} is after {scope.until}.", fix="Swap since and until.", status=400)
        chosen = {self._named(n) for n in scope.documents} if scope.documents else set(range(len(self.doc_ids)))
        if scope.since or scope.until:
            low, high = scope.since or dt.date.min, scope.until or dt.date.max
            chosen = {i for i in chosen if (day := self.dates[i]) is not None and low <= day <= high}
        if not chosen:
            raise RagError(
                f"No indexed document is in the scope ({scope.describe()}).",
                fix="Widen the date range or choose other documents; `rag documents` shows each one's date.",
                status=404,
            )
        return np.isin(self.doc_of_paragraph, np.fromiter(chosen, dtype=np.int64))
