"""A terminal progress bar for long reads (OCR of scanned pages, big PDFs), one per file."""

from __future__ import annotations

from tqdm import tqdm

from rag.corpus.readers import Progress


class PageBar:
    """A ``Progress`` callback drawing a tqdm bar for the file being read."""

    def __init__(self) -> None:
        self._bar: tqdm | None = None
        self._what = ""

    def __call__(self, done: int, total: int, what: str) -> None:
        if self._bar is None or what != self._what:
            self.close()
            self._bar = tqdm(total=total, desc=what, unit="page", leave=False)
            self._what = what
        self._bar.n = done
        self._bar.refresh()
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def page_progress(show: bool) -> Progress | None:
    return PageBar() if show else None
