"""Build the index from the corpus, and tell whether an existing one still fits."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.corpus.cache import output_options
from rag.corpus.chunking import ParagraphChunker
from rag.corpus.files import Corpus, corpus_of
from rag.corpus.progress import page_progress
from rag.corpus.readers import Progress
from rag.errors import RagError
from rag.index.lexical import LexicalIndex
from rag.index.store import FORMAT_VERSION, build_lock, current_build, load_build, read_manifest, write_build
from rag.index.vectors import choose_kind
from rag.models.embedding import Embedder
from rag.settings import Settings
from rag.text.language import detect_language


def corpus_script(corpus: Corpus, sample_chars: int = 20_000) -> str:
    """'zh-Hant', 'zh-Hans' or 'en': the script most of the corpus is written in."""
    sample, size = [], 0
    for p in corpus.paragraphs:
        sample.append(p.text)
        size += len(p.text)
        if size >= sample_chars:
            break
    return detect_language("".join(sample))


def index_identity(settings: Settings, corpus: Corpus) -> dict[str, Any]:
    """Everything that, when changed, makes a built index wrong for this corpus and settings."""
    return {
        "format_version": FORMAT_VERSION,
        "embedding_model": settings.embedding_model,
        "query_prompt": settings.query_prompt,
        "passage_prompt": settings.passage_prompt,
        "chunker": {"chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap},
        "vector_index": {"kind": settings.vector_index, "approximate_above": settings.approximate_above},
        # BM25 tokens pass through OpenCC, whose dictionaries change between releases.
        "lexical_tokens": {"opencc": importlib.metadata.version("opencc")},
        "corpus_hash": corpus.fingerprint,
        # How PDFs and scans are read (page limit, OCR engine, languages, resolution)
        # changes their text; plain text does not depend on it.
        "read_options": output_options(settings.read_options) if any(not d.reader.startswith("text/") for d in corpus.documents) else None,
    }


def stale_reasons(manifest: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    labels = {
        "format_version": "index format",
        "embedding_model": "embedding model",
        "query_prompt": "query prompt",
        "passage_prompt": "passage prompt",
        "chunker": "chunk settings",
        "vector_index": "vector index settings",
        "lexical_tokens": "OpenCC version",
        "corpus_hash": "corpus files",
        "read_options": "reading options (RAG_MAX_PAGES, RAG_OCR…)",
    }
    return [f"{labels[k]} changed" for k in expected if manifest.get(k) != expected[k]]


@dataclass
class IndexStatus:
    state: str  # "fresh", "missing" or "stale"
    reasons: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    # What the corpus folder holds now, not what the last build saw: a bad file added
    # since then does not change the index, but the user must still hear of it.
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def index_status(settings: Settings, corpus: Corpus) -> IndexStatus:
    found: dict[str, Any] = {"problems": corpus.problems, "notes": corpus.notes}
    folder = current_build(settings.index_dir)
    if folder is None:
        return IndexStatus("missing", ["no index built yet"], **found)
    try:
        manifest = read_manifest(folder)
    except RagError as exc:
        return IndexStatus("stale", [exc.message], **found)
    reasons = stale_reasons(manifest, index_identity(settings, corpus))
    return IndexStatus("stale" if reasons else "fresh", reasons, manifest=manifest, **found)


@dataclass
class BuildReport:
    documents: int
    paragraphs: int
    chunks: int
    seconds: float
    problems: list[str]
    folder: str
    notes: list[str] = field(default_factory=list)
    reused_chunks: int = 0  # vectors taken from the previous build instead of re-embedded


log = logging.getLogger("rag")


def _text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def previous_vectors(settings: Settings) -> dict[str, np.ndarray]:
    """Chunk vectors of the live build, by the sha256 of the text that was embedded,
    when that build used the same model and prompts: a changed file then costs only its
    own changed chunks. Anything unreadable just means nothing is reused."""
    folder = current_build(settings.index_dir)
    if folder is None:
        return {}
    try:
        manifest = read_manifest(folder)
        same = all(manifest.get(k) == getattr(settings, k) for k in ("embedding_model", "passage_prompt"))
        if not same or manifest.get("format_version") != FORMAT_VERSION:
            return {}
        stored = load_build(folder)
        vectors = stored.vectors.reconstruct_n(0, stored.vectors.ntotal)
    except (RagError, RuntimeError, OSError) as exc:
        log.warning("Not reusing vectors from %s: %s", folder, exc)
        return {}
    return {_text_key(embedded_text(c.text, c.heading)): vectors[i] for i, c in enumerate(stored.chunks)}


def embedded_text(text: str, heading: str) -> str:
    # The heading goes into the embedded text (not the stored text) so a chunk under
    # 「結語」 can match a question about the conclusion.
    return f"{heading}\n{text}" if heading else text


# (stage, done, total, what): "reading" (pages of the file named by what), "embedding"
# (chunks), "writing"; for a progress bar on the page and in /api/health.
BuildProgress = Callable[[str, int, int, str], None]
PROGRESS_SLICE = 256  # chunks embedded between two progress reports


def embed_chunks(
    texts: list[str],
    embedder: Embedder,
    reuse: dict[str, np.ndarray],
    progress: bool,
    encode: Callable[..., np.ndarray] | None = None,
    on_progress: BuildProgress | None = None,
) -> tuple[np.ndarray, int]:
    """Vectors for ``texts``; only chunks not in ``reuse`` are sent to ``encode``
    (default: ``embedder.encode_passages`` in this process). With ``on_progress`` they go
    in slices, each reported when done."""
    keys = [_text_key(t) for t in texts]
    missing = [i for i, k in enumerate(keys) if k not in reuse]
    encode = encode or embedder.encode_passages
    fresh: np.ndarray | None = None
    if missing and on_progress is None:
        fresh = encode([texts[i] for i in missing], progress=progress)
    elif missing and on_progress is not None:
        parts = []
        on_progress("embedding", 0, len(missing), "")
        for at in range(0, len(missing), PROGRESS_SLICE):
            parts.append(encode([texts[i] for i in missing[at : at + PROGRESS_SLICE]], progress=progress))
            on_progress("embedding", min(at + PROGRESS_SLICE, len(missing)), len(missing), "")
        fresh = np.concatenate(parts)
    vectors = np.empty((len(texts), embedder.dimension), dtype=np.float32)
    for row, i in enumerate(missing):
        vectors[i] = fresh[row]  # type: ignore[index]
    for i, k in enumerate(keys):
        if k in reuse:
            vectors[i] = reuse[k]
    return vectors, len(texts) - len(missing)


def _encoder(settings: Settings, embedder: Embedder) -> Callable[..., np.ndarray]:
    """The passage encoder `index_engine` picks: this process, or actors on a Ray cluster."""
    if settings.index_engine == "ray":
        from rag.index.ray_embed import ray_encoder

        return ray_encoder(settings, embedder.dimension)
    return embedder.encode_passages


def _modified(path) -> str | None:
    try:
        return dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
    except OSError:
        return None


def _reading(progress: bool, on_progress: BuildProgress | None) -> Progress | None:
    """The page-progress callback for reading the corpus: the terminal bar, the caller's
    report, both or neither."""
    bar = page_progress(progress)
    if on_progress is None:
        return bar

    def report(done: int, total: int, what: str) -> None:
        if bar is not None:
            bar(done, total, what)
        on_progress("reading", done, total, what)

    return report


def build_index(
    settings: Settings, embedder: Embedder, progress: bool = False, corpus: Corpus | None = None, on_progress: BuildProgress | None = None
) -> BuildReport:
    started = dt.datetime.now(dt.UTC)
    with build_lock(settings.index_dir):
        if corpus is None:
            if on_progress is not None:
                on_progress("reading", 0, 0, "")
            corpus = corpus_of(settings, _reading(progress, on_progress))
        if not corpus.paragraphs:
            detail = "; ".join(corpus.problems) or "it holds no documents"
            raise RagError(
                f"Nothing to index in '{settings.corpus_dir}': {detail}.",
                fix="Add documents to it (.txt, .md, .pdf, .docx, .pptx, .xlsx, .csv, .html, .epub, or scanned .png/.jpg/.tif).",
            )
        chunks = ParagraphChunker(settings.chunk_size, settings.chunk_overlap).split_all(corpus.paragraphs)
        texts = [embedded_text(c.text, c.heading) for c in chunks]
        vectors, reused = embed_chunks(texts, embedder, previous_vectors(settings), progress, _encoder(settings, embedder), on_progress)
        if on_progress is not None:
            on_progress("writing", 0, 0, "")
        lexical = LexicalIndex.build([f"{p.heading}\n{p.text}" if p.heading else p.text for p in corpus.paragraphs])
        manifest = {
            **index_identity(settings, corpus),
            "built_at": started.isoformat(timespec="seconds"),
            "dimension": embedder.dimension,
            "script": corpus_script(corpus),
            "documents": [
                {
                    "doc_id": d.doc_id,
                    "sha256": d.sha256,
                    "date": d.date,
                    "modified": _modified(d.path),  # the date a question's date range uses when the document has none
                    "reader": d.reader,
                    "pages": d.pages,
                    "title": d.title,
                }
                for d in corpus.documents
            ],
            "counts": {"documents": len(corpus.documents), "paragraphs": len(corpus.paragraphs), "chunks": len(chunks)},
            "paragraph_counts": dict(Counter(p.doc_id for p in corpus.paragraphs)),
            "problems": corpus.problems,
            "notes": corpus.notes,
        }
        kind = choose_kind(settings.vector_index, len(chunks), settings.approximate_above)
        folder = write_build(settings.index_dir, manifest, vectors, corpus.paragraphs, chunks, lexical, kind)
        if corpus.cache is not None:
            corpus.cache.prune()
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return BuildReport(
        len(corpus.documents), len(corpus.paragraphs), len(chunks), seconds, corpus.problems, str(folder), corpus.notes, reused
    )
