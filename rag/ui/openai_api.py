"""OpenAI's chat protocol over the corpus: ``POST /v1/chat/completions`` and
``GET /v1/models``, so the `openai` package, Open WebUI or curl can ask it.

``model`` names the answer backend. The last user message is the question; the reply's
content is the verified answer with its ``[n]`` markers, and the response carries the
citations (and the whole answer object as ``rag``) in extra fields. Streaming sends the
verified answer too: a model's raw words can still lose a citation or be withheld when
checked, and an OpenAI client cannot take back what it was sent, so while the model
writes only SSE comments flow (they keep proxies from timing out).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from starlette.routing import BaseRoute

from rag.answer.backends import Final, available
from rag.errors import RagError
from rag.types import Answer, Turn
from rag.ui.api_base import AnswerSlots, OpenAIErrorRoute, ready
from rag.ui.api_models import ChatRequest

if TYPE_CHECKING:
    from rag.pipeline import RAG

KEEPALIVE_S = 5.0
PIECE_CHARS = 24  # characters per streamed delta of the verified answer


def question_and_history(body: ChatRequest) -> tuple[str, list[Turn]]:
    """The last user message, and the user and assistant messages before it (system
    messages are the client's instructions to a model; this server writes no free text)."""
    last = max((i for i, m in enumerate(body.messages) if m.role == "user"), default=None)
    if last is None:
        raise RagError("No user message to answer.", fix="End `messages` with {'role': 'user', 'content': your question}.", status=400)
    history = [Turn(role=m.role, content=m.text()[:20_000]) for m in body.messages[:last] if m.role in ("user", "assistant")]
    return body.messages[last].text(), history


def completion(body: ChatRequest, answer: Answer, cid: str, created: int) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "chat.completion",
        "created": created,
        "model": body.model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": [c.model_dump() for c in answer.citations],
        "rag": answer.as_json(),
    }


def chunk(body: ChatRequest, cid: str, created: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
    payload = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": created,
        "model": body.model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        **extra,
    }
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def verified_chunks(body: ChatRequest, events: Iterator, question: str, cid: str, created: int) -> Iterator[str]:
    """The stream of one answer: keep-alive comments while the model writes, then the verified answer."""
    yield chunk(body, cid, created, {"role": "assistant", "content": ""})
    answer, beat = None, time.monotonic()
    try:
        for event in events:
            if isinstance(event, Final):
                answer = event.answer
                break
            if time.monotonic() - beat > KEEPALIVE_S:  # tokens and the instant quote are not sent
                beat = time.monotonic()
                yield ": the model is writing; the verified answer follows\n\n"
    except RagError as exc:
        answer = Answer(question=question, text="", model=body.model, error=str(exc))
    if answer is None or answer.error:
        error = answer.error if answer else "The answer model ended without an answer."
        yield f"data: {json.dumps({'error': {'message': error, 'type': 'server_error', 'code': 502}})}\n\n"
        return
    for at in range(0, len(answer.text), PIECE_CHARS):
        yield chunk(body, cid, created, {"content": answer.text[at : at + PIECE_CHARS]})
    extra = {"citations": [c.model_dump() for c in answer.citations], "rag": answer.as_json()}
    yield chunk(body, cid, created, {}, "stop", **extra)
    yield "data: [DONE]\n\n"


def openai_routes(rag: RAG, slots: AnswerSlots, route_class: type[OpenAIErrorRoute]) -> list[BaseRoute]:
    router = APIRouter(route_class=route_class, tags=["OpenAI-compatible"])

    def check_model(name: str) -> None:
        if name not in available():
            raise RagError(f"Unknown model {name!r}.", fix=f"Use one of: {', '.join(sorted(available()))} (GET /v1/models).", status=404)

    @router.get("/v1/models", summary="The answer models, as OpenAI's model list.")
    def models() -> dict[str, Any]:
        found = [{"id": name, "object": "model", "created": 0, "owned_by": "rag"} for name in sorted(available())]
        return {"object": "list", "data": found}

    @router.post("/v1/chat/completions", summary="Answer the last user message from the corpus, OpenAI-style.")
    def chat(body: ChatRequest):
        check_model(body.model)
        question, history = question_and_history(body)
        cid, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        ready(rag)
        if not body.stream:
            with slots:
                answer = rag.ask(question, body.k, body.model, body.mode, body.scope, history)
            if answer.error:
                raise RagError(answer.error, fix="Try again, or use the model 'extractive'.", status=502)
            return completion(body, answer, cid, created)
        events = rag.ask_stream(question, body.k, body.model, body.mode, body.scope, history)  # bad input fails here, as JSON

        def stream() -> Iterator[str]:
            try:
                slots.__enter__()
            except RagError as exc:  # the 200 is already sent: say so in the stream
                yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'server_error', 'code': exc.status}})}\n\n"
                return
            try:
                yield from verified_chunks(body, events, question, cid, created)
            finally:
                slots.__exit__()

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return list(router.routes)
