"""Build the index from the corpus, and tell whether an existing one still fits."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.corpus.cache import output_options
from rag.corpus.chunking import ParagraphChunker
from rag.corpus.files import Corpus, corpus_of
from rag.corpus.progress import page_progress
from rag.corpus.readers import Progress
from rag.errors import RagError
from rag.index.dense_stage import BuildProgress, assemble, embed_pending, embedded_text, encoder, known_vectors, text_key, vector_cache
from rag.index.doc_map import document_maps
from rag.index.duplicates import same_text_as
from rag.index.lexical import LexicalIndex
from rag.index.store import FORMAT_VERSION, build_lock, current_build, read_manifest, write_build
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
        "embedding_model": settings.models.embedding_model,
        "query_prompt": settings.models.query_prompt,
        "passage_prompt": settings.models.passage_prompt,
        "chunker": {"chunk_size": settings.corpus.chunk_size, "chunk_overlap": settings.corpus.chunk_overlap},
        "vector_index": {"kind": settings.index.vector_index, "approximate_above": settings.index.approximate_above},
        # BM25 tokens pass through OpenCC, whose dictionaries change between releases.
        "lexical_tokens": {"opencc": importlib.metadata.version("opencc")},
        "corpus_hash": corpus.fingerprint,
        # How PDFs and scans are read (page limit, OCR engine, languages, resolution)
        # changes their text; plain text does not depend on it.
        "read_options": output_options(settings.corpus.read_options)
        if any(not d.reader.startswith("text/") for d in corpus.documents)
        else None,
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
    state: str  # "fresh", "missing", "stale" or "partial" (lexical-first, vectors unfinished)
    reasons: list[str] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    # What the corpus folder holds now, not what the last build saw: a bad file added
    # since then does not change the index, but the user must still hear of it.
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def index_status(settings: Settings, corpus: Corpus) -> IndexStatus:
    found: dict[str, Any] = {"problems": corpus.problems, "notes": corpus.notes}
    folder = current_build(settings.index.index_dir)
    if folder is None:
        return IndexStatus("missing", ["no index built yet"], **found)
    try:
        manifest = read_manifest(folder)
    except RagError as exc:
        return IndexStatus("stale", [exc.message], **found)
    reasons = stale_reasons(manifest, index_identity(settings, corpus))
    if reasons:
        return IndexStatus("stale", reasons, manifest=manifest, **found)
    done, total = dense_progress(manifest)
    if done < total:  # a lexical-first build whose vectors are still being computed (or were stopped)
        why = f"dense vectors {done:,} of {total:,} computed; lexical search is ready"
        return IndexStatus("partial", [why], manifest=manifest, **found)
    return IndexStatus("fresh", manifest=manifest, **found)


def dense_progress(manifest: dict[str, Any]) -> tuple[int, int]:
    """(chunks with vectors, chunks) of a build: equal unless it is lexical-first."""
    total = int(manifest.get("counts", {}).get("chunks", 0))
    dense = manifest.get("dense") or {}
    return int(dense.get("done", total)), int(dense.get("total", total))


@dataclass
class BuildReport:
    documents: int
    paragraphs: int
    chunks: int
    seconds: float
    problems: list[str]
    folder: str
    notes: list[str] = field(default_factory=list)
    reused_chunks: int = 0  # vectors taken from the previous build (or a stopped one) instead of re-embedded
    searchable_seconds: float | None = None  # when a lexical-first build went live, from the start


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
    settings: Settings,
    embedder: Embedder,
    progress: bool = False,
    corpus: Corpus | None = None,
    on_progress: BuildProgress | None = None,
    on_searchable: Callable[[Path], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> BuildReport:
    """Read, chunk, embed and write the corpus's index. With ``on_searchable``, a build with
    more than ``settings.index.progressive_above`` chunks to embed is first written without their
    vectors (lexical search over everything, dense over what was embedded before) and handed
    to ``on_searchable``; the complete build replaces it at the end. Computed vectors are
    kept as they come, so a stopped build resumes where it was; ``should_stop`` is asked
    between slices (rag.index.dense_stage.BuildSuperseded)."""
    started = dt.datetime.now(dt.UTC)
    with build_lock(settings.index.index_dir):
        if corpus is None:
            if on_progress is not None:
                on_progress("reading", 0, 0, "")
            corpus = corpus_of(settings, _reading(progress, on_progress))
        if not corpus.paragraphs:
            detail = "; ".join(corpus.problems) or "it holds no documents"
            raise RagError(
                f"Nothing to index in '{settings.corpus.corpus_dir}': {detail}.",
                fix="Add documents to it (.txt, .md, .pdf, .docx, .pptx, .xlsx, .csv, .html, .epub, or scanned .png/.jpg/.tif).",
            )
        chunks = ParagraphChunker(settings.corpus.chunk_size, settings.corpus.chunk_overlap).split_all(corpus.paragraphs)
        texts = [embedded_text(c.text, c.heading) for c in chunks]
        keys = [text_key(t) for t in texts]
        cache = vector_cache(settings, embedder)
        vectors, pending = assemble(keys, known_vectors(settings, cache), embedder.dimension)
        reused = len(texts) - len(pending)
        lexical = LexicalIndex.build([f"{p.heading}\n{p.text}" if p.heading else p.text for p in corpus.paragraphs])
        manifest = _manifest(settings, corpus, len(chunks), embedder.dimension, started)
        maps = document_maps(corpus.paragraphs, {d.doc_id: d.title or "" for d in corpus.documents}, settings.index.summary_method)
        searchable_at = None
        if on_searchable is not None and len(pending) > settings.index.progressive_above:
            # Flat: an IVF trained on zero rows would be a poor one, and this build is short-lived.
            early = {**manifest, "dense": {"done": reused, "total": len(chunks)}}
            folder = write_build(settings.index.index_dir, early, vectors, corpus.paragraphs, chunks, lexical, "flat", pending, maps)
            searchable_at = (dt.datetime.now(dt.UTC) - started).total_seconds()
            on_searchable(folder)
            if on_progress is not None:
                on_progress("searchable", reused, len(chunks), "")
        slice_size = len(pending) if settings.index.index_engine == "ray" else settings.index.embed_slice  # Ray shards its own work
        encode = encoder(settings, embedder)
        embed_pending(texts, keys, vectors, pending, encode, cache, max(1, slice_size), progress, on_progress, should_stop)
        if on_progress is not None:
            on_progress("writing", 0, 0, "")
        kind = choose_kind(settings.index.vector_index, len(chunks), settings.index.approximate_above)
        manifest["dense"] = {"done": len(chunks), "total": len(chunks)}
        folder = write_build(settings.index.index_dir, manifest, vectors, corpus.paragraphs, chunks, lexical, kind, maps=maps)
        cache.clear()  # the build holds every vector now
        if corpus.cache is not None:
            corpus.cache.prune()
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    return BuildReport(
        len(corpus.documents),
        len(corpus.paragraphs),
        len(chunks),
        seconds,
        corpus.problems,
        str(folder),
        corpus.notes,
        reused,
        searchable_at,
    )


def _manifest(settings: Settings, corpus: Corpus, n_chunks: int, dimension: int, started: dt.datetime) -> dict[str, Any]:
    return {
        **index_identity(settings, corpus),
        "built_at": started.isoformat(timespec="seconds"),
        "dimension": dimension,
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
        "counts": {"documents": len(corpus.documents), "paragraphs": len(corpus.paragraphs), "chunks": n_chunks},
        "paragraph_counts": dict(Counter(p.doc_id for p in corpus.paragraphs)),
        "same_text": same_text_as(corpus.paragraphs),
        "problems": corpus.problems,
        "notes": corpus.notes,
    }
