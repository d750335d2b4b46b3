"""llama.cpp's own OpenAI-compatible HTTP server, run by xllamacpp on loopback.

``rag llama-server`` serves the local model for the ``openai`` backend, and the
tests start one the same way; it binds 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import time

import httpx

from rag.errors import RagError
from rag.models.llama import llama_params, model_path
from rag.settings import Settings


def wait_until_ready(url: str, seconds: float = 120.0) -> None:
    """Poll llama.cpp's /health at ``url`` (in this process or another) until it answers 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RagError(f"llama.cpp server at {url} did not become ready.", fix="Check the model file and free memory.")


class LlamaServer:
    def __init__(self, settings: Settings, host: str = "127.0.0.1", port: int = 0) -> None:
        xllamacpp, params = llama_params(model_path(settings), settings, host=host, port=port)
        self._server = xllamacpp.Server(params)  # starts serving in a background thread
        self.url = self._server.listening_address
        self.wait_ready()

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/") + "/v1"

    def wait_ready(self, seconds: float = 120.0) -> None:
        wait_until_ready(self.url, seconds)

    def close(self) -> None:
        self._server = None  # the C++ destructor stops the HTTP thread
