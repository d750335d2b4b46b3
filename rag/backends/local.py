"""``local``: a GGUF model run in this process by xllamacpp (llama.cpp).

The default is Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled from its PyPI parts
and checked against Qwen's published sha256 (rag.gguf_parts); RAG_LOCAL_MODEL may
name another split model or any .gguf path.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.backends.generative import GenerativeBackend
from rag.embedding import Embedder
from rag.errors import RagError
from rag.gguf_parts import SPLIT_MODELS, assemble
from rag.settings import Settings

_SERVERS: dict[tuple, Any] = {}
_LOAD_LOCK = threading.Lock()


def model_path(settings: Settings) -> Path:
    if settings.local_model in SPLIT_MODELS:
        return assemble(SPLIT_MODELS[settings.local_model], settings.cache_dir / "models")
    path = Path(settings.local_model).expanduser()
    if not path.is_file():
        raise RagError(
            f"Local model {settings.local_model!r} is neither a known model nor a .gguf file.",
            fix=f"Set RAG_LOCAL_MODEL to a .gguf path or one of: {', '.join(SPLIT_MODELS)}.",
        )
    return path


def llama_params(path: Path, settings: Settings, host: str = "127.0.0.1", port: int = 0):
    try:
        import xllamacpp
    except ImportError as exc:
        raise RagError("The local answer model needs the 'xllamacpp' package.", fix="pip install 'rag-cjk[local]'") from exc
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = settings.llm_context
    params.n_parallel = 1
    params.cpuparams.n_threads = settings.llm_threads
    params.cpuparams_batch.n_threads = settings.llm_threads
    params.sampling.temp = settings.llm_temperature
    params.sampling.penalty_repeat = settings.llm_repeat_penalty
    params.verbosity = 0
    params.hostnames = [host]
    params.port = port
    return xllamacpp, params


def load_server(settings: Settings):
    """One llama.cpp instance per model and settings, shared by every caller."""
    path = model_path(settings)
    key = (str(path), settings.llm_context, settings.llm_threads, settings.llm_temperature, settings.llm_repeat_penalty)
    with _LOAD_LOCK:
        if key not in _SERVERS:
            xllamacpp, params = llama_params(path, settings)
            try:
                _SERVERS[key] = xllamacpp.Server(params)
            except Exception as exc:
                raise RagError(
                    f"llama.cpp could not load {path} ({exc}).", fix="Check the file is a GGUF model, or set RAG_LOCAL_MODEL."
                ) from exc
        return _SERVERS[key]


class LocalChat:
    def __init__(self, server: Any, settings: Settings) -> None:
        self.server = server
        self.max_tokens = settings.llm_max_tokens
        self.timeout = settings.llm_timeout
        self.temperature = settings.llm_temperature

    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str]:
        request = {"messages": messages, "max_tokens": self.max_tokens, "temperature": self.temperature, "stream": True}
        chunks: queue.Queue = queue.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Any) -> bool:
            chunks.put(chunk)
            return stop.is_set()  # True tells llama.cpp to stop generating

        def run() -> None:
            try:
                self.server.handle_chat_completions(request, on_chunk)
            except Exception as exc:  # surfaced to the reader below
                chunks.put(exc)
            chunks.put(None)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    item = chunks.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    raise RagError(
                        f"The local model gave no complete answer within {self.timeout:g} s.",
                        fix="Raise RAG_LLM_TIMEOUT, lower RAG_LLM_MAX_TOKENS, or use --model extractive.",
                    ) from None
                if item is None:
                    return
                if isinstance(item, Exception):
                    raise RagError(f"The local model failed ({item}).", fix="Try again, or use --model extractive.")
                if isinstance(item, dict) and "error" in item:
                    raise RagError(f"The local model failed ({item['error']}).", fix="Try again, or use --model extractive.")
                for choice in item.get("choices", []) if isinstance(item, dict) else []:
                    text = (choice.get("delta") or {}).get("content")
                    if text:
                        yield text
        finally:
            stop.set()


class LocalBackend(GenerativeBackend):
    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> LocalBackend:
        return cls("local", LocalChat(load_server(settings), settings), embedder, settings)
