"""``local``: a GGUF model run in this process by xllamacpp (llama.cpp).

The default is Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled from its PyPI parts
and checked against Qwen's published sha256 (rag.models.gguf_parts); RAG_LOCAL_MODEL may
name another split model or any .gguf path.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

from rag.answer.backends import Usage
from rag.answer.generative import GenerativeBackend
from rag.errors import RagError
from rag.models.embedding import Embedder
from rag.models.llama import load_server
from rag.settings import Settings


class LocalChat:
    def __init__(self, server: Any, settings: Settings) -> None:
        self.server = server
        self.max_tokens = settings.llm_max_tokens
        self.timeout = settings.llm_timeout
        self.temperature = settings.llm_temperature

    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str | Usage]:
        request = {
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
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
                usage = Usage.of(item)
                if usage is not None:
                    yield usage
        finally:
            stop.set()


class LocalBackend(GenerativeBackend):
    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> LocalBackend:
        return cls("local", LocalChat(load_server(settings), settings), embedder, settings)
