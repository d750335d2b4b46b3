"""The dense stage of a build: chunk vectors, taken from the live build or the vector cache
where the same text was embedded before, computed for the rest in slices that are kept on
disk as they finish (so a stopped build resumes) and reported for progress bars."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from rag.errors import RagError
from rag.index.store import FORMAT_VERSION, current_build, load_build, read_manifest
from rag.index.vector_cache import VectorCache
from rag.models.embedding import Embedder
from rag.settings import Settings

log = logging.getLogger("rag")

# (stage, done, total, what): "reading" (pages of the file named by what), "searchable"
# (a lexical-first build is live), "embedding" (chunks), "writing"; for the page and /api/health.
BuildProgress = Callable[[str, int, int, str], None]


class BuildSuperseded(Exception):
    """Raised between two slices when the build's ``should_stop`` says a newer request
    waits (a file added or removed): what was embedded is kept, and the next build starts."""


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embedded_text(text: str, heading: str) -> str:
    # The heading goes into the embedded text (not the stored text) so a chunk under
    # 「結語」 can match a question about the conclusion.
    return f"{heading}\n{text}" if heading else text


def previous_vectors(settings: Settings) -> dict[str, np.ndarray]:
    """Chunk vectors of the live build, by the sha256 of the text that was embedded,
    when that build used the same model and prompts: a changed file then costs only its
    own changed chunks. A lexical-first build's chunks still waiting for vectors are left
    out. Anything unreadable just means nothing is reused."""
    folder = current_build(settings.index.index_dir)
    if folder is None:
        return {}
    try:
        manifest = read_manifest(folder)
        same = all(manifest.get(k) == settings.value(k) for k in ("embedding_model", "passage_prompt"))
        if not same or manifest.get("format_version") != FORMAT_VERSION:
            return {}
        stored = load_build(folder)
        vectors = stored.vectors.reconstruct_n(0, stored.vectors.ntotal)
    except (RagError, RuntimeError, OSError) as exc:
        log.warning("Not reusing vectors from %s: %s", folder, exc)
        return {}
    waiting = set(stored.pending.tolist())
    return {text_key(embedded_text(c.text, c.heading)): vectors[i] for i, c in enumerate(stored.chunks) if i not in waiting}


def vector_cache(settings: Settings, embedder: Embedder) -> VectorCache:
    return VectorCache(settings.index.index_dir, settings.models.embedding_model, settings.models.passage_prompt, embedder.dimension)


def known_vectors(settings: Settings, cache: VectorCache) -> dict[str, np.ndarray]:
    """Every vector a build may reuse: the live build's, then those a stopped build kept."""
    known = previous_vectors(settings)
    known.update(cache.load())
    return known


def assemble(keys: list[str], known: dict[str, np.ndarray], dimension: int) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, pending): the known vectors in chunk order, zero rows where none is known
    yet, and the ids of those rows."""
    vectors = np.zeros((len(keys), dimension), dtype=np.float32)
    pending = []
    for i, k in enumerate(keys):
        found = known.get(k)
        if found is None:
            pending.append(i)
        else:
            vectors[i] = found
    return vectors, np.array(pending, dtype=np.int64)


def encoder(settings: Settings, embedder: Embedder) -> Callable[..., np.ndarray]:
    """The passage encoder `index_engine` picks: this process, or actors on a Ray cluster."""
    if settings.index.index_engine == "ray":
        from rag.index.ray_embed import ray_encoder

        return ray_encoder(settings, embedder.dimension)
    return embedder.encode_passages


def embed_pending(
    texts: list[str],
    keys: list[str],
    vectors: np.ndarray,
    pending: np.ndarray,
    encode: Callable[..., np.ndarray],
    cache: VectorCache,
    slice_size: int,
    progress: bool = False,
    on_progress: BuildProgress | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> None:
    """Fill ``vectors``' ``pending`` rows, ``slice_size`` chunks at a time; each slice is
    kept in ``cache`` and reported when done, so a stop loses at most one slice. Raises
    BuildSuperseded after a slice when ``should_stop()`` is true."""
    if slice_size < 1:
        raise ValueError(f"slice_size must be at least 1, got {slice_size}")
    if len(pending) == 0:
        return
    bar = tqdm(total=len(pending), unit="chunk", desc="Embedding", disable=not progress)
    if on_progress is not None:
        on_progress("embedding", 0, len(pending), "")
    with bar:
        for at in range(0, len(pending), slice_size):
            rows = pending[at : at + slice_size]
            fresh = encode([texts[i] for i in rows], progress=False)
            vectors[rows] = fresh
            cache.add([keys[i] for i in rows], fresh)
            bar.update(len(rows))
            if on_progress is not None:
                on_progress("embedding", min(at + slice_size, len(pending)), len(pending), "")
            if should_stop is not None and at + slice_size < len(pending) and should_stop():
                raise BuildSuperseded
