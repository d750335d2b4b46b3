"""The records that flow through the pipeline: corpus paragraphs and chunks, the
``Passage`` that retrieval returns and answering cites, and the ``Answer``."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rag.citations.markers import defuse

# The choices of Settings fields, checked once by pydantic when settings are read.
RetrievalMode = Literal["hybrid", "dense", "lexical"]
Fusion = Literal["zscore", "minmax", "rrf"]
VectorIndexKind = Literal["auto", "flat", "ivf", "hnsw"]
IndexEngine = Literal["local", "ray"]
MODES: tuple[str, ...] = get_args(RetrievalMode)


class Paragraph(BaseModel):
    """One blank-line-separated block of a corpus file: the unit citations point to."""

    model_config = ConfigDict(frozen=True)

    paragraph_id: str = Field(description="'<file>#p<number>', stable while the file is unchanged.")
    doc_id: str = Field(description="File path relative to the corpus folder.")
    number: int = Field(description="1-based position among the file's paragraphs (headings excluded).")
    start: int = Field(description="Character offset of the paragraph in the decoded file.")
    end: int
    text: str
    heading: str = Field("", description="The section heading above this paragraph, if any.")


class Chunk(BaseModel):
    """A piece of one paragraph small enough to embed; ``start``/``end`` index the file."""

    model_config = ConfigDict(frozen=True)

    paragraph_id: str
    start: int
    end: int
    text: str
    heading: str = ""


class Passage(BaseModel):
    """A retrieved paragraph with the chunk that matched inside it."""

    paragraph_id: str
    doc_id: str
    score: float
    text: str = Field(description="The whole paragraph; bracketed numbers in it are full-width (rag.citations.markers.defuse).")
    start: int
    end: int
    match_start: int = Field(description="Offset in the file of the best-matching chunk.")
    match_end: int
    heading: str = ""
    rank: int = Field(0, description="1-based position in the result list; citation keys use it.")
    dense_score: float | None = Field(None, description="Cosine similarity of the best chunk (dense channel).")
    lexical_score: float | None = Field(None, description="BM25 score of the paragraph (lexical channel).")
    found_by: list[str] = Field(default_factory=list, description="Channels that ranked it in their own top k.")

    @field_validator("text", "heading")
    @classmethod
    def _defuse_markers(cls, value: str) -> str:
        # Done here, where every passage is made, so no path (extractive, generative,
        # page, CLI, API, plugin) can quote a source's own "[3]" as a citation of ours.
        return defuse(value)


class Citation(BaseModel):
    key: int = Field(description="The number written in the answer, as in [1].")
    paragraph_id: str
    text: str = Field(description="The quoted span of the paragraph.")
    start: int = Field(description="Offset of the span in the source file.")
    end: int


class SentenceSupport(BaseModel):
    """How one sentence of a generated answer is backed by the sources."""

    text: str
    cited: list[int] = Field(default_factory=list, description="Keys the model wrote after this sentence.")
    keys: list[int] = Field(default_factory=list, description="Keys kept after verification (possibly re-pointed).")
    supported: bool = Field(description="True: a source backs it; False: none does (the reason says why).")
    about_question: bool = Field(
        True, description="False: a source backs it but it strays from the question, so it is left out of the answer."
    )
    reason: str = ""
    rule: str = Field("", description="The citation rule that decided this verdict (rag.citations.rules).")

    @property
    def why(self) -> str:
        """The reason with the name of the rule that gave it, as shown to users."""
        return f"{self.reason} ({self.rule})" if self.reason and self.rule else self.reason


class Answer(BaseModel):
    question: str
    text: str
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    abstained: bool = Field(False, description="True when the corpus gave nothing that answers the question.")
    model: str = "extractive"
    sentences: list[SentenceSupport] = Field(default_factory=list, description="Per-sentence support (generative models).")
    error: str = Field("", description="Set when the answer model failed; passages are still returned.")
    model_text: str = Field("", description="What the model wrote, before its citations were checked (generative models).")

    @property
    def unsupported(self) -> list[SentenceSupport]:
        return [s for s in self.sentences if s.supported is False]
