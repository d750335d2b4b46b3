"""Stage 2, the index: where it is kept, how chunks are embedded (here or on Ray) and saved as
they are, and which vector index searches them."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from rag.types import IndexEngine, SummaryMethod, VectorIndexKind


class IndexSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    index_dir: Path = Field(Path("index"), description="Folder where built indexes are kept.")
    embed_batch_size: int = Field(16, ge=1, le=1024, description="Chunks embedded per batch.")
    # Below this an update is a few seconds of embedding: not worth writing the index twice.
    progressive_above: int = Field(
        256,
        ge=0,
        description="A server's index update with more chunks than this to embed is searchable first by words (BM25), "
        "then by meaning when its vectors are done.",
    )
    embed_slice: int = Field(
        256, ge=1, le=1_000_000, description="Chunks embedded between two saves of the computed vectors (what a stopped build can lose)."
    )
    index_engine: IndexEngine = Field(
        "local", description="Who embeds the chunks when indexing: 'local' (this process) or 'ray' (a Ray cluster; needs the 'ray' extra)."
    )
    ray_address: str | None = Field(
        None, description="Ray engine: cluster to use ('auto', 'ray://head:10001'); unset starts a local cluster on 127.0.0.1."
    )
    ray_workers: int = Field(
        2, ge=1, le=1024, description="Ray engine: embedding actors; each loads the model once and gets an equal share of the CPUs."
    )
    vector_index: VectorIndexKind = Field(
        "auto", description="Chunk vector index: 'auto' (exact up to approximate_above chunks, then IVF), 'flat', 'ivf' or 'hnsw'."
    )
    # Exact search time grows with the chunks; below this it is a few milliseconds.
    approximate_above: int = Field(20_000, ge=0, description="'auto' switches to an approximate (IVF) index above this many chunks.")
    ivf_probes: int = Field(64, ge=1, description="IVF lists searched per query: more is slower and closer to exact.")
    hnsw_ef_search: int = Field(64, ge=1, description="HNSW candidate list per query: more is slower and closer to exact.")
    summary_method: SummaryMethod = Field(
        "centroid", description="How each document's map picks its summary sentences at index time: 'centroid' or 'textrank'."
    )
    auto_rebuild: bool = Field(True, description="Rebuild a missing or stale index on first use instead of failing.")
