"""llama.cpp in this process (xllamacpp): the GGUF file a setting names, assembled from its
PyPI parts when needed (rag.models.gguf_parts), loaded once per model and settings, and
the model's saved readings (SavedStates)."""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from rag.errors import RagError
from rag.models.gguf_parts import SPLIT_MODELS, assemble
from rag.settings import Settings

_SERVERS: dict[tuple, Any] = {}
_LOAD_LOCK = threading.Lock()


def model_path(settings: Settings) -> Path:
    if settings.answer.local_model in SPLIT_MODELS:
        return assemble(SPLIT_MODELS[settings.answer.local_model], settings.models.cache_dir / "models")
    path = Path(settings.answer.local_model).expanduser()
    if not path.is_file():
        raise RagError(
            f"Local model {settings.answer.local_model!r} is neither a known model nor a .gguf file.",
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
    params.n_ctx = settings.answer.llm_context
    params.n_parallel = 1
    params.cache_ram_mib = settings.answer.llm_cache_ram_mb
    params.cpuparams.n_threads = settings.answer.llm_threads
    params.cpuparams_batch.n_threads = settings.answer.llm_threads
    params.sampling.temp = settings.answer.llm_temperature
    params.sampling.penalty_repeat = settings.answer.llm_repeat_penalty
    params.verbosity = 0
    params.hostnames = [host]
    params.port = port
    # llama.cpp saves and restores a slot's memory of its prompt as files in this folder
    # (POST /slots/0?action=save|restore on its loopback listener).
    params.endpoint_slots = True
    params.slot_save_path = f"{states_folder(settings, path)}{os.sep}"  # llama.cpp appends the file name as is
    return xllamacpp, params


def states_folder(settings: Settings, path: Path | None = None) -> Path:
    """Where the model's saved readings are kept: one folder per model file, shared by every
    index (a reading is named by the text read, so the same paragraph in two libraries is read once)."""
    folder = (settings.answer.llm_reading_dir or settings.models.cache_dir / "reading") / (path or model_path(settings)).stem
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class SavedStates:
    """The model's memory of prompts it has read (its KV cache), saved to disk after reading
    and restored before a prompt that begins the same way, which then reads only the rest.
    A state is named by a hash of the text it read; one that does not match what follows
    only costs reading (llama.cpp compares tokens), never a wrong answer."""

    def __init__(self, server: Any, folder: Path) -> None:
        self.url = server.listening_address.rstrip("/")
        self.folder = folder

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.bin"

    def has(self, key: str) -> bool:
        return self.path(key).is_file()

    def save(self, key: str) -> int:
        """Saves what the model last read under ``key``; returns the file's bytes. Written
        under a temporary name first, so an interrupted save leaves no half file."""
        part = f"{key}.part"
        body = self._slot("save", part)
        os.replace(self.folder / part, self.path(key))
        return int(body.get("n_written", 0))

    def restore(self, key: str) -> bool:
        """Loads the reading saved under ``key``; False (and the file removed) when llama.cpp
        cannot, e.g. a file from another model build."""
        try:
            self._slot("restore", f"{key}.bin")
            return True
        except RagError:
            self.path(key).unlink(missing_ok=True)
            return False

    def _slot(self, action: str, filename: str) -> dict:
        try:
            response = httpx.post(f"{self.url}/slots/0", params={"action": action}, json={"filename": filename}, timeout=60)
        except httpx.HTTPError as exc:
            raise RagError(
                f"llama.cpp could not {action} a reading ({exc}).", fix="Questions are still answered, only not sooner."
            ) from exc
        if response.status_code != 200:
            raise RagError(f"llama.cpp could not {action} a reading ({response.text[:200]}).", fix="Questions are still answered.")
        return response.json()


def load_server(settings: Settings):
    """One llama.cpp instance per model and settings, shared by every caller."""
    path = model_path(settings)
    key = (
        str(path),
        str(states_folder(settings, path)),  # where its readings are saved is fixed when it loads
        settings.answer.llm_context,
        settings.answer.llm_threads,
        settings.answer.llm_temperature,
        settings.answer.llm_repeat_penalty,
    )
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


@dataclass
class LibraryReading:
    """How much of the library the model has read ahead and saved (rag.serve.read_ahead; GET
    /api/health and the page show it)."""

    done: int = 0
    total: int = 0
    bytes: int = 0
    running: bool = False

    def as_json(self) -> dict:
        percent = int(100 * self.done / self.total) if self.total else 100
        return {
            "done": self.done,
            "total": self.total,
            "percent": percent,
            "megabytes": round(self.bytes / 1e6, 1),
            "running": self.running,
        }
