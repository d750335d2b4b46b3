"""Index updates in the background, for servers: documents added from the page or the
REST API are indexed while questions go on being answered from the last good build.

One build runs at a time. A request made while one runs is remembered, and one more
build follows, so a file added mid-build is never left out; any number of requests made
meanwhile still cost one build.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from rag.errors import RagError
from rag.index.build import BuildReport
from rag.index.dense_stage import BuildProgress, BuildSuperseded

log = logging.getLogger("rag")


@dataclass(frozen=True)
class IndexingState:
    """What the background indexer is doing, as the page, `rag status` and /api/health show it."""

    running: bool = False
    queued: bool = False
    stage: str = ""  # "reading", "embedding", "writing" while running (see rag.index.dense_stage.BuildProgress)
    done: int = 0
    total: int = 0
    what: str = ""  # the file being read, during "reading"
    error: str = ""  # why the last build failed ("" when it did not)
    builds: int = 0  # builds finished (or failed) since the server started
    searchable: bool = False  # this update's lexical-first build is live; its vectors are being computed
    ready: int = 0  # chunks of that build that had vectors when it went live
    chunks: int = 0  # chunks in that build

    @property
    def dense_done(self) -> int:
        """Chunks of the lexical-first build with a vector by now."""
        return self.ready + (self.done if self.stage == "embedding" else 0)

    @property
    def percent(self) -> int | None:
        """How far the current stage is, 0-100; None when it has no count."""
        return int(100 * self.done / self.total) if self.running and self.total else None

    @property
    def overall(self) -> int:
        """How far the whole update is, 0-99, for "indexing 35%": reading is the first tenth,
        embedding the bulk, writing the end."""
        share = self.done / self.total if self.total else 0.0
        start, width = {"reading": (0, 10), "embedding": (10, 85), "writing": (95, 4)}.get(self.stage, (0, 0))
        return min(99, int(start + width * share))

    def describe(self) -> str:
        if not self.running:
            return f"last update failed: {self.error}" if self.error else "idle"
        what = f" {self.what}" if self.what else ""
        count = f" {self.percent}% ({self.done:,}/{self.total:,})" if self.percent is not None else ""
        if self.searchable and self.chunks:
            return f"lexical ready · dense {int(100 * self.dense_done / self.chunks)}% ({self.dense_done:,}/{self.chunks:,})"
        return f"{self.stage}{what}{count}"

    def as_json(self) -> dict[str, object]:
        return {
            "running": self.running,
            "queued": self.queued,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "overall": self.overall if self.running else None,
            "error": self.error,
            "builds": self.builds,
            "searchable": self.searchable,
            "dense": {"done": self.dense_done, "total": self.chunks} if self.searchable else None,
            "text": self.describe(),
        }


class BackgroundIndexer:
    """Runs ``build(on_progress)`` in a daemon thread when asked (``request``)."""

    def __init__(self, build: Callable[[BuildProgress], BuildReport]) -> None:
        self._build = build
        self._cond = threading.Condition()
        self._state = IndexingState()
        self._thread: threading.Thread | None = None
        self.last_report: BuildReport | None = None

    @property
    def state(self) -> IndexingState:
        with self._cond:
            return self._state

    def request(self) -> None:
        """Start a build, or queue one more after the one running."""
        with self._cond:
            if self._state.running:
                self._state = replace(self._state, queued=True)
                return
            self._state = replace(self._state, running=True, queued=False, stage="reading", done=0, total=0, what="", error="")
            self._thread = threading.Thread(target=self._run, name="rag-indexer", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until no build runs or is queued; False if ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._state.running:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def _progress(self, stage: str, done: int, total: int, what: str) -> None:
        with self._cond:
            if stage == "searchable":  # not a stage of its own: the vectors' progress follows at once
                log.info("Index searchable by words now; vectors for %d of %d chunks follow in the background.", total - done, total)
                self._state = replace(self._state, searchable=True, ready=done, chunks=total)
                return
            self._state = replace(self._state, stage=stage, done=done, total=total, what=what)

    def _run(self) -> None:
        while True:
            error = ""
            try:
                report = self.last_report = self._build(self._progress)
                log.info("Index up to date: %d documents, %d chunks (%.0f s).", report.documents, report.chunks, report.seconds)
            except BuildSuperseded:  # a newer request waits (queued): it runs next, from the vectors kept
                log.info("Index update restarted for a newer change; the vectors computed are kept.")
            except RagError as exc:
                error = str(exc)
            except Exception as exc:  # a server's indexer must outlive any one bad build
                log.exception("Background index update failed")
                error = f"{type(exc).__name__}: {exc}"
            with self._cond:
                builds = self._state.builds + 1
                if self._state.queued:  # asked again meanwhile: that request may fix what failed
                    self._state = IndexingState(running=True, stage="reading", builds=builds)
                else:
                    self._state = IndexingState(error=error, builds=builds)
                    self._cond.notify_all()
                    return
