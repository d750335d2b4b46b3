"""The on-disk index: a folder of plain files, swapped in atomically.

    index/CURRENT                  name of the live build (replaced with os.replace)
    index/build-<time>-<rand>/     manifest.json, vectors.faiss, paragraphs.jsonl, chunks.jsonl,
                                   maps.jsonl (each document's map, rag.index.doc_map),
                                   bm25/ (bm25s's own .npy arrays and JSON), and for a
                                   lexical-first build pending.npy (chunks without vectors yet)
    index/vector-cache/            vectors of a build not finished yet (rag.index.vector_cache)

A build is written into a fresh folder and only then named in CURRENT, so a crash
mid-build leaves the previous build live.  No pickle anywhere: JSON and FAISS's own format.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from rag.errors import RagError
from rag.index.doc_map import MAPS, DocumentMap, document_maps
from rag.index.lexical import LexicalIndex
from rag.index.vectors import build_vector_index
from rag.types import Chunk, Paragraph

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
VECTORS = "vectors.faiss"
PARAGRAPHS = "paragraphs.jsonl"
CHUNKS = "chunks.jsonl"
PENDING = "pending.npy"  # a lexical-first build only: ids of chunks whose vectors are still zeros
REBUILD_HINT = "Run `rag index --rebuild`."


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


@dataclass
class StoredIndex:
    folder: Path
    manifest: dict[str, Any]
    vectors: faiss.Index
    paragraphs: dict[str, Paragraph]
    chunks: list[Chunk]
    lexical: LexicalIndex | None
    # Chunks without a vector yet (a lexical-first build); empty for a complete one.
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # doc_id -> its map (rag.index.doc_map); made at load time for a build written without one.
    maps: dict[str, DocumentMap] = field(default_factory=dict)


@contextlib.contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """One builder at a time per index folder; a second waits for the first."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        handle = (index_dir / ".lock").open("w")
    except OSError as exc:
        raise unwritable(index_dir, exc) from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def unwritable(index_dir: Path, exc: OSError) -> RagError:
    return RagError(
        f"The index folder '{index_dir}' cannot be written ({exc.strerror or exc}).",
        fix="Make it writable (or free some disk space), or point RAG_INDEX_DIR / --index at a folder you can write.",
    )


def current_build(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    folder = index_dir / pointer.read_text().strip()
    return folder if (folder / MANIFEST).is_file() else None


def write_build(
    index_dir: Path,
    manifest: dict[str, Any],
    vectors: np.ndarray,
    paragraphs: list[Paragraph],
    chunks: list[Chunk],
    lexical: LexicalIndex,
    vector_kind: str = "flat",
    pending: np.ndarray | None = None,
    maps: dict[str, DocumentMap] | None = None,
) -> Path:
    """Write a whole build beside the live one, then switch CURRENT to it.
    ``vector_kind`` is 'flat', 'ivf' or 'hnsw' (see rag.index.vectors.choose_kind);
    ``pending``: ids of chunks whose rows in ``vectors`` are placeholders."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="build-", dir=index_dir))
    except OSError as exc:
        raise unwritable(index_dir, exc) from exc
    try:
        faiss.write_index(build_vector_index(vectors, vector_kind), str(folder / VECTORS))
        _write_jsonl(folder / PARAGRAPHS, [p.model_dump() for p in paragraphs])
        _write_jsonl(folder / CHUNKS, [c.model_dump() for c in chunks])
        more_files = [p.relative_to(folder).as_posix() for p in lexical.save(folder)]
        if maps is not None:
            _write_jsonl(folder / MAPS, [m.model_dump() for m in maps.values()])
            more_files.append(MAPS)
        if pending is not None and len(pending):
            np.save(folder / PENDING, np.asarray(pending, dtype=np.int64), allow_pickle=False)
            more_files.append(PENDING)
        files = {name: file_sha256(folder / name) for name in (VECTORS, PARAGRAPHS, CHUNKS, *more_files)}
        full = {"format_version": FORMAT_VERSION, **manifest, "vector_index_kind": vector_kind, "files": files}
        (folder / MANIFEST).write_text(json.dumps(full, ensure_ascii=False, indent=2), encoding="utf-8")
        for name in [*files, MANIFEST]:
            with (folder / name).open("rb") as f:
                os.fsync(f.fileno())
        _point_current(index_dir, folder.name)
    except OSError as exc:  # a full disk mid-write: the previous build stays live
        shutil.rmtree(folder, ignore_errors=True)
        raise unwritable(index_dir, exc) from exc
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _remove_old_builds(index_dir, keep=folder.name)
    return folder


def _point_current(index_dir: Path, name: str) -> None:
    tmp = index_dir / f".CURRENT.{os.getpid()}"
    tmp.write_text(name + "\n")
    with tmp.open("rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, index_dir / "CURRENT")


def _remove_old_builds(index_dir: Path, keep: str) -> None:
    for path in index_dir.glob("build-*"):
        if path.name != keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)


def read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RagError(f"The index manifest in {folder} is unreadable ({exc}).", fix=REBUILD_HINT) from exc
    if manifest.get("format_version") != FORMAT_VERSION:
        raise RagError(
            f"The index in {folder} has format {manifest.get('format_version')}, this version reads {FORMAT_VERSION}.",
            fix=REBUILD_HINT,
        )
    return manifest


def load_build(folder: Path, verify: bool = True) -> StoredIndex:
    manifest = read_manifest(folder)
    if verify:
        for name, digest in manifest.get("files", {}).items():
            path = folder / name
            if not path.is_file() or file_sha256(path) != digest:
                raise RagError(f"Index file {path} is missing or corrupted (checksum mismatch).", fix=REBUILD_HINT)
    try:
        # Memory-mapped, so a large index is paged in as searched instead of read whole:
        # MMAP maps IVF lists, MMAP_IFC flat and HNSW storage; the two cannot be combined.
        mmap = faiss.IO_FLAG_MMAP if manifest.get("vector_index_kind") == "ivf" else faiss.IO_FLAG_MMAP_IFC
        vectors = faiss.read_index(str(folder / VECTORS), mmap | faiss.IO_FLAG_READ_ONLY)
        paragraphs = {row["paragraph_id"]: Paragraph(**row) for row in _read_jsonl(folder / PARAGRAPHS)}
        chunks = [Chunk(**row) for row in _read_jsonl(folder / CHUNKS)]
        lexical = LexicalIndex.load(folder)
        pending = np.load(folder / PENDING, allow_pickle=False) if PENDING in manifest.get("files", {}) else np.zeros(0, dtype=np.int64)
        if MAPS in manifest.get("files", {}):
            maps = {row["doc_id"]: DocumentMap(**row) for row in _read_jsonl(folder / MAPS)}
        else:  # written before maps were: made now, from the same paragraphs
            titles = {d["doc_id"]: d.get("title") or "" for d in manifest.get("documents", [])}
            maps = document_maps(paragraphs.values(), titles)
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as exc:
        raise RagError(f"The index in {folder} cannot be read ({exc}).", fix=REBUILD_HINT) from exc
    if vectors.ntotal != len(chunks):
        raise RagError(f"The index in {folder} has {vectors.ntotal} vectors for {len(chunks)} chunks.", fix=REBUILD_HINT)
    return StoredIndex(
        folder=folder,
        manifest=manifest,
        vectors=vectors,
        paragraphs=paragraphs,
        chunks=chunks,
        lexical=lexical,
        pending=pending,
        maps=maps,
    )
