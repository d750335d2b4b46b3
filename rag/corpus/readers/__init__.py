"""Readers: one per file format, found by suffix through the ``rag.readers`` entry points.

The built-ins are declared in this project's pyproject.toml exactly as a third-party
package would declare its own:

    [project.entry-points."rag.readers"]
    mine = "my_package.module:MyReader"

An entry point names a class whose instances have a ``name``, the ``suffixes`` it reads
(lower case, with the dot), a ``version`` that changes whenever its output for the same
file would (extractions are cached under it), and ``read(data, options, progress)``
returning an ``Extraction``. A reader raises ``RagError`` for a file it must refuse
(encrypted, too large unpacked, not what its name says); anything else it raises is
reported as a damaged file, never a crash of the build.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from rag.corpus.extraction import Extraction
from rag.settings.corpus import ReadOptions

GROUP = "rag.readers"
# Called with (pages done, pages in all, what is being done) while a long read runs.
Progress = Callable[[int, int, str], None]
log = logging.getLogger("rag")


@runtime_checkable
class Reader(Protocol):
    name: str
    suffixes: tuple[str, ...]
    version: str

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction: ...


@functools.cache
def readers_by_suffix() -> dict[str, Reader]:
    """Suffix -> reader, from every installed ``rag.readers`` entry point. A plugin that
    fails to load is logged and left out, so one broken package cannot stop indexing."""
    found: dict[str, Reader] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            reader = ep.load()()
        except Exception as exc:  # a third-party plugin may fail in any way
            log.warning("Reader plugin %s (%s) failed to load: %s", ep.name, ep.value, exc)
            continue
        if not isinstance(reader, Reader):
            log.warning("Reader plugin %s (%s) lacks name, suffixes, version or read(); not used.", ep.name, ep.value)
            continue
        for suffix in reader.suffixes:
            found.setdefault(suffix.lower(), reader)
    return found


def made_with(own: str, *libraries: str) -> str:
    """A reader version naming the libraries' versions too: an upgrade that reads files
    differently makes the cached extractions and the index out of date."""
    from importlib.metadata import PackageNotFoundError, version

    def of(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "none"

    return "+".join([own, *(f"{name}-{of(name)}" for name in libraries)])


def reader_for(suffix: str) -> Reader | None:
    return readers_by_suffix().get(suffix.lower())
