"""llama.cpp in this process (xllamacpp): the GGUF file a setting names, assembled from its
PyPI parts when needed (rag.models.gguf_parts), loaded once per model and settings."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.models.gguf_parts import SPLIT_MODELS, assemble
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
    params.cache_ram_mib = settings.llm_cache_ram_mb
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
