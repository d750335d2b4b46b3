"""The REST API's request bodies. Unknown fields are refused (a misspelt ``documnets``
must not silently widen a question's scope); the OpenAI route takes the extra fields
OpenAI clients send and ignores them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from rag.types import RetrievalMode, Scope, Turn


class ScopeFields(BaseModel):
    """The fields that limit a question to documents or dates (rag.types.Scope)."""

    documents: list[str] | None = Field(None, description="Only these documents (doc_id as /api/documents lists them).")
    since: dt.date | None = Field(None, description="Only documents dated on or after this day (YYYY-MM-DD).")
    until: dt.date | None = Field(None, description="Only documents dated on or before this day.")

    @property
    def scope(self) -> Scope:
        return Scope(documents=tuple(self.documents or ()), since=self.since, until=self.until)


class RetrieveRequest(ScopeFields):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"question": "蒙古國的第三鄰國政策是什麼？", "k": 3}]})

    question: str = Field(description="In Traditional or Simplified Chinese, or English.")
    k: int | None = Field(None, ge=1, le=100, description="Passages to return (default: RAG_TOP_K).")
    mode: RetrievalMode | None = Field(None, description="hybrid (default), dense or lexical.")


class AskRequest(RetrieveRequest):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"question": "西伯利亞力量2號管道每年最多可輸送多少天然氣？", "model": "local"}]}
    )

    model: str | None = Field(None, description="Answer model: extractive, local, openai or a plugin (GET /v1/models).")
    history: list[Turn] = Field(default_factory=list, max_length=100, description="Earlier turns of the conversation, oldest first.")
    stream: bool = Field(False, description="Server-sent events: `token` events as the model writes, then one `answer` event.")


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="ignore")

    role: str
    content: str | list[dict] | None = None

    def text(self) -> str:
        """The message's text; content parts other than text (images) are left out."""
        if isinstance(self.content, list):
            return "".join(str(part.get("text", "")) for part in self.content if part.get("type") == "text")
        return self.content or ""


class ChatRequest(ScopeFields):
    """OpenAI's chat-completions request; the last user message is the question (the scope
    fields are extensions)."""

    model_config = ConfigDict(extra="ignore")

    model: str = Field(description="The answer model (GET /v1/models).")
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    k: int | None = Field(None, ge=1, le=100, description="Extension: passages to retrieve.")
    mode: RetrievalMode | None = Field(None, description="Extension: retrieval mode.")
