"""``openai``: any OpenAI-compatible chat-completions endpoint, streamed.

The API key comes from RAG_OPENAI_API_KEY (or OPENAI_API_KEY) and is only ever put
in the Authorization header: never in messages, logs or reports.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator

import httpx

from rag.answer.backends import Usage
from rag.answer.generative import GenerativeBackend
from rag.errors import RagError
from rag.models.embedding import Embedder
from rag.settings import Settings

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}


class OpenAIChat:
    def __init__(self, settings: Settings) -> None:
        self.url = settings.answer.openai_base_url.rstrip("/") + "/chat/completions"
        self.model = settings.answer.openai_model
        secret = (
            settings.answer.openai_api_key.get_secret_value() if settings.answer.openai_api_key else os.environ.get("OPENAI_API_KEY", "")
        )
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        self.timeout = settings.answer.llm_timeout
        self.connect_timeout = settings.answer.llm_connect_timeout
        self.retries = settings.answer.openai_retries
        self.max_tokens = settings.answer.llm_max_tokens
        self.temperature = settings.answer.llm_temperature

    def _fail(self, what: str) -> RagError:
        return RagError(
            f"The answer model at {self.url} {what}.",
            fix="Check that the server is running (e.g. `rag llama-server`) and RAG_OPENAI_BASE_URL, "
            "raise RAG_LLM_TIMEOUT, or use --model extractive.",
        )

    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str | Usage]:
        payload = {
            "model": self.model,
            "messages": messages,
            "stream": True,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "stream_options": {"include_usage": True},  # the token counts in the last chunk
        }
        timeout = httpx.Timeout(self.timeout, connect=self.connect_timeout)
        deadline = time.monotonic() + self.timeout
        for attempt in range(self.retries + 1):
            started = False
            try:
                with httpx.stream("POST", self.url, json=payload, headers=self.headers, timeout=timeout) as response:
                    if response.status_code in RETRY_STATUS and attempt < self.retries:
                        time.sleep(min(2.0**attempt * 0.5, max(0.0, deadline - time.monotonic())))
                        continue
                    if response.status_code != 200:
                        response.read()
                        raise self._fail(f"answered HTTP {response.status_code}: {response.text[:200]}")
                    for line in response.iter_lines():
                        if time.monotonic() > deadline:
                            raise self._fail(f"did not finish within {self.timeout:g} s")
                        if not line.startswith("data:"):
                            continue
                        data = line[5:].strip()
                        if data == "[DONE]":
                            return
                        try:
                            chunk = json.loads(data)
                        except ValueError as exc:
                            raise self._fail(f"sent something that is not JSON ({data[:80]!r})") from exc
                        if "error" in chunk:
                            raise self._fail(f"reported an error: {str(chunk['error'])[:200]}")
                        for choice in chunk.get("choices", []):
                            text = (choice.get("delta") or {}).get("content")
                            if text:
                                started = True
                                yield text
                        usage = Usage.of(chunk)
                        if usage is not None:
                            yield usage
                    return
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError) as exc:
                # Safe to retry only before any token reached the caller.
                if started or attempt >= self.retries:
                    raise self._fail(f"could not be reached ({type(exc).__name__})") from None
                time.sleep(min(2.0**attempt * 0.5, max(0.0, deadline - time.monotonic())))
            except httpx.TimeoutException:
                raise self._fail(f"did not answer within {self.timeout:g} s") from None
            except httpx.HTTPError as exc:
                raise self._fail(f"failed ({type(exc).__name__})") from None
        raise self._fail("kept failing")


class OpenAIBackend(GenerativeBackend):
    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> OpenAIBackend:
        return cls("openai", OpenAIChat(settings), embedder, settings)
