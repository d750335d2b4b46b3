"""Chunk vectors computed by a build that has not finished, kept on disk by the sha256 of
the embedded text, so a build stopped halfway (Ctrl-C, a crash, a server restart) resumes
from them instead of embedding everything again.

    index/vector-cache/<model id>/part-<n>.keys   one sha256 per line
    index/vector-cache/<model id>/part-<n>.npy    float32 rows, in the same order

A part counts only when both files are there and agree: the keys are written first and
the vectors renamed into place last, so a part cut off mid-write is ignored, not half read.
The folder is emptied after a complete build, which holds every vector itself.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

log = logging.getLogger("rag")
CACHE_FOLDER = "vector-cache"


class VectorCache:
    def __init__(self, index_dir: Path, embedding_model: str, passage_prompt: str, dimension: int) -> None:
        if dimension <= 0:
            raise ValueError(f"dimension must be positive, got {dimension}")
        # Vectors of another model or prompt are not these: each gets its own folder.
        made_by = hashlib.sha256(f"{embedding_model}\0{passage_prompt}\0{dimension}".encode()).hexdigest()[:16]
        self.folder = index_dir / CACHE_FOLDER / made_by
        self.dimension = dimension

    def load(self) -> dict[str, np.ndarray]:
        """Every vector kept so far, by text key; unreadable parts are skipped."""
        found: dict[str, np.ndarray] = {}
        for vectors_path in sorted(self.folder.glob("part-*.npy")):
            keys_path = vectors_path.with_suffix(".keys")
            try:
                keys = keys_path.read_text(encoding="ascii").split()
                vectors = np.load(vectors_path, mmap_mode="r", allow_pickle=False)
            except (OSError, ValueError) as exc:
                log.warning("Ignoring unreadable cached vectors %s: %s", vectors_path, exc)
                continue
            if vectors.shape != (len(keys), self.dimension):
                log.warning("Ignoring cached vectors %s: %s rows for %d keys", vectors_path, vectors.shape, len(keys))
                continue
            found.update(zip(keys, np.asarray(vectors, dtype=np.float32), strict=True))
        return found

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Keep ``vectors`` (one row per key). A failure to write only costs time later."""
        if len(keys) != len(vectors):
            raise ValueError(f"{len(keys)} keys for {len(vectors)} vectors")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix="part-", suffix=".tmp")
            os.close(fd)
            stem = Path(tmp).with_suffix("")
            stem.with_suffix(".keys").write_text("\n".join(keys) + "\n", encoding="ascii")
            with open(tmp, "wb") as f:
                np.save(f, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, stem.with_suffix(".npy"))
        except OSError as exc:
            log.warning("Could not keep computed vectors in %s: %s", self.folder, exc)

    def clear(self) -> None:
        """Forget this model's kept vectors (another model's may still resume its build)."""
        shutil.rmtree(self.folder, ignore_errors=True)
