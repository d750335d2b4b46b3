"""Stage 3, retrieval: how many passages, how the dense and lexical channels are fused, and
how a question in a conversation is searched."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from rag.types import FollowUpRewriter, Fusion, RetrievalMode


def _none_turns_off(value: object) -> object:
    """RAG_LONE_PASSAGE_MARGIN=none (any case) turns a margin off."""
    return None if isinstance(value, str) and value.strip().lower() in {"none", "off", ""} else value


# How far the top passage's fused score is above the second's; 'none' turns it off.
Margin = Annotated[float | None, BeforeValidator(_none_turns_off)]


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retrieval_mode: RetrievalMode = Field("hybrid", description="'hybrid' (dense + BM25), 'dense' or 'lexical'.")
    fusion: Fusion = Field("zscore", description="How hybrid mode combines channels: 'zscore', 'minmax' or 'rrf'.")
    lexical_weight: float = Field(0.5, ge=0.0, le=1.0, description="Share of the lexical channel in the fusion (0-1).")
    candidates: int = Field(50, ge=1, le=10_000, description="Paragraphs each channel proposes before fusion.")
    reranker: str = Field("none", description="'none', or a sentence-transformers CrossEncoder folder to rerank the fused list.")
    top_k: int = Field(5, ge=1, le=100, description="Passages returned by default.")
    max_question_chars: int = Field(2000, ge=10, description="Longer questions are refused with a message.")
    follow_up_weight: float = Field(
        0.5, ge=0.0, le=2.0, description="Follow-ups: weight of the previous question's ranking, fused with the follow-up's own (0: none)."
    )
    follow_up_rewriter: FollowUpRewriter = Field(
        "terms",
        description="How follow-ups are made to stand alone: 'terms' (no model: carry the previous question's subject) "
        "or 'model' (the answer model rewrites them when it is a generative one; 'terms' otherwise).",
    )
    context_weight: float = Field(
        0.2,
        ge=0.0,
        le=2.0,
        description="Other questions of a conversation (no follow-up seen): weight of the previous question's ranking (0: none).",
    )
    context_clear_margin: Margin = Field(
        0.75,
        ge=0.0,
        description="Other questions of a conversation: when their own top passage's fused score is this far above the second's ("
        "score, hybrid mode with zscore fusion), they stand alone and the previous question's ranking is not used; a "
        "question with no name of its own that finds no such margin is taken as a follow-up (none: neither).",
    )
