"""The REST API, served by the page's own server (Gradio runs on FastAPI): JSON in and
out, the same objects as `rag retrieve --json` and `rag ask --json`, and the document
library. OpenAI's chat protocol is in rag.ui.openai_api; the schema is /api/openapi.json,
read at /api/docs (Swagger UI from the fastapi-offline wheel: nothing from a CDN)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from rag.answer.backends import Draft, Event, Final
from rag.errors import RagError
from rag.index.build import dense_progress
from rag.ui.api_base import AnswerSlots, JsonErrorRoute, OpenAIErrorRoute, check_credentials, ready
from rag.ui.api_models import AskRequest, RetrieveRequest
from rag.ui.library_view import add_files, document_detail, documents_now, remove_files
from rag.ui.openai_api import openai_routes

if TYPE_CHECKING:
    from rag.pipeline import RAG
    from rag.settings import Settings

MAX_FILES_PER_REQUEST = 16
SLOT_WAIT_S = 30.0  # a question waits this long for one of RAG_UI_CONCURRENCY answer slots, then hears 503
WAIT_FOR_INDEX_S = 900.0
UPLOAD_SCHEMA = {"type": "object", "properties": {"file": {"type": "array", "items": {"type": "string", "format": "binary"}}}}
R = TypeVar("R", bound=JsonErrorRoute)
_STATIC = Path(fastapi_offline.__file__).parent / "static"


def settled(rag: RAG, wait: bool) -> bool:
    """With ``wait``: wait for the index update; True when it finished without error (the
    answer then says so, and a timeout or a failed build is not reported as done)."""
    return wait and rag.indexer.wait(WAIT_FOR_INDEX_S) and not rag.indexer.state.error


def sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def api_routes(rag: RAG, slots: AnswerSlots | None = None) -> list[BaseRoute]:
    """Every route of the REST API and the OpenAI-compatible one, each behind the credentials
    check, with the schema and its reader, and a JSON 404 for any other /api or /v1 address;
    questions wait for one of ``slots`` (RAG_UI_CONCURRENCY), shared with other routes."""
    slots = slots or AnswerSlots(rag.settings.serve.ui_concurrency, SLOT_WAIT_S)
    route = _behind_credentials(JsonErrorRoute, rag.settings)
    routes: list[BaseRoute] = [
        *_question_routes(rag, slots, route),
        *_document_routes(rag, route),
        *openai_routes(rag, slots, _behind_credentials(OpenAIErrorRoute, rag.settings)),
    ]
    return [*routes, *_schema_routes(routes, route), *_unknown_routes(route)]


def _behind_credentials(base: type[R], settings: Settings) -> type[R]:
    """``base`` with the credentials check run before a request's body is read."""

    def credentials(request: Request) -> None:
        check_credentials(settings, request)

    return type(base.__name__, (base,), {"guard": staticmethod(credentials)})


def health_of(rag: RAG) -> tuple[dict[str, Any], int]:
    """GET /api/health's body and status: 503 until there is an index to answer from."""
    manifest = rag.manifest
    indexing = rag.indexer.state
    state = "building" if indexing.running else ("ready" if manifest else "missing")
    index: dict[str, Any] = {"state": state, "indexing": indexing.as_json()}
    if manifest:
        index.update(built_at=manifest.get("built_at"), embedding_model=manifest.get("embedding_model"), **manifest.get("counts", {}))
        done, total = dense_progress(manifest)
        if indexing.running and indexing.searchable:  # the manifest was written before the vectors came
            done, total = indexing.dense_done, indexing.chunks
        # "lexical-first" while such a build answers: by words everywhere, by meaning where vectors are done.
        index["search"] = "complete" if done >= total else "lexical-first"
        index["dense"] = {"done": done, "total": total, "percent": int(100 * done / total) if total else 100}
    documents = (manifest or {}).get("counts", {}).get("documents", 0)
    body = {"status": "ok" if manifest else "not ready", "documents": documents, "index": index}
    body["read_ahead"] = rag.library_reading.as_json()  # saved readings of the answer model (rag.serve.read_ahead)
    return body, 200 if manifest else 503


def answer_events(events: Iterator[Event], slots: AnswerSlots) -> Iterator[str]:
    """An answer as server-sent events: `draft` (the extractive quote while a model writes),
    `token`s, then one `answer`; `error` instead when no slot frees up or the model fails
    (the 200 is sent by then, so the stream says so)."""
    try:
        slots.__enter__()
    except RagError as exc:
        yield sse("error", {"error": exc.message, "fix": exc.fix})
        return
    try:
        for event in events:
            if isinstance(event, Final):
                yield sse("answer", event.answer.as_json())
                return
            if isinstance(event, Draft):
                yield sse("draft", event.answer.as_json())
                continue
            yield sse("token", {"text": event.text})
    except RagError as exc:
        yield sse("error", {"error": exc.message, "fix": exc.fix})
    finally:
        slots.__exit__()


def _question_routes(rag: RAG, slots: AnswerSlots, route: type[APIRoute]) -> list[BaseRoute]:
    router = APIRouter(route_class=route)

    @router.get("/api/health", tags=["status"], summary="Is the server up, and what does its index hold?")
    def health() -> JSONResponse:
        body, status = health_of(rag)
        return JSONResponse(body, status_code=status)

    @router.post("/api/retrieve", tags=["questions"], summary="The passages that best match a question, best first.")
    def retrieve(body: RetrieveRequest) -> dict[str, Any]:
        ready(rag)
        passages = rag.retrieve(body.question, body.k, body.mode, body.scope)
        return {"question": body.question, "passages": [p.model_dump() for p in passages]}

    # The name search tools use (MCP's `search` tool, `rag search`): the same route.
    router.post("/api/search", tags=["questions"], summary="The same as /api/retrieve.", operation_id="search")(retrieve)

    @router.post("/api/ask", tags=["questions"], summary="Answer a question with citations (or stream it as server-sent events).")
    def ask(body: AskRequest):
        ready(rag)
        if not body.stream:
            with slots:
                return rag.ask(body.question, body.k, body.model, body.mode, body.scope, body.history).as_json()
        events = rag.ask_stream(body.question, body.k, body.model, body.mode, body.scope, body.history)  # bad input fails here, as JSON
        return StreamingResponse(answer_events(events, slots), media_type="text/event-stream", headers={"Cache-Control": "no-store"})

    return list(router.routes)


def _document_routes(rag: RAG, route: type[APIRoute]) -> list[BaseRoute]:
    router = APIRouter(route_class=route)

    @router.get("/api/documents", tags=["documents"], summary="Every document of the corpus with its state.")
    def documents() -> dict[str, Any]:
        return {"documents": [d.model_dump() for d in documents_now(rag)], "indexing": rag.indexer.state.as_json()}

    @router.post(
        "/api/documents",
        tags=["documents"],
        summary="Upload documents (multipart, field `file`, repeatable); they are indexed in the background.",
        status_code=201,
        openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": UPLOAD_SCHEMA}}}},
    )
    async def upload(request: Request, wait: bool = False) -> JSONResponse:
        files = await _read_upload(request, rag.settings.corpus.max_file_bytes)
        added, refused = await run_in_threadpool(add_files, rag, files)
        indexed = await run_in_threadpool(settled, rag, wait) if added else False
        errors = [{"error": e.message, "fix": e.fix, "status": e.status} for e in refused]
        if not added:
            first = refused[0]
            return JSONResponse({"error": first.message, "fix": first.fix, "errors": errors}, status_code=first.status)
        listed = {d.doc_id: d for d in await run_in_threadpool(documents_now, rag)}
        shown = [listed[a].model_dump() for a in added if a in listed]
        body = {"documents": shown, "errors": errors, "indexed": indexed, "indexing": rag.indexer.state.as_json()}
        return JSONResponse(body, status_code=201)

    @router.get(
        "/api/documents/{doc_id:path}",
        tags=["documents"],
        summary="One document with its map: title, headings, lead and summary sentences, each cited.",
    )
    def document(doc_id: str) -> dict[str, Any]:
        rag.ensure_index()
        return document_detail(rag, doc_id)

    @router.delete("/api/documents/{doc_id:path}", tags=["documents"], summary="Delete a document; the index is updated in the background.")
    def delete(doc_id: str, wait: bool = False) -> dict[str, Any]:
        remove_files(rag, [doc_id])
        return {"removed": doc_id, "indexed": settled(rag, wait), "indexing": rag.indexer.state.as_json()}

    return list(router.routes)


def _schema_routes(routes: list[BaseRoute], route: type[APIRoute]) -> list[BaseRoute]:
    """/api/openapi.json for ``routes``, and Swagger UI at /api/docs from the wheel's own files."""

    def schema() -> dict[str, Any]:
        return get_openapi(title="rag-cjk", version="1", description=__doc__ or "", routes=routes)

    docs = APIRouter(route_class=route)
    docs.add_api_route("/api/openapi.json", schema, include_in_schema=False)
    docs.add_api_route(
        "/api/docs",
        lambda: get_swagger_ui_html(
            openapi_url="/api/openapi.json",
            title="rag-cjk API",
            swagger_js_url="/api/static/swagger-ui-bundle.js",
            swagger_css_url="/api/static/swagger-ui.css",
            swagger_favicon_url="/api/static/favicon.png",
        ),
        include_in_schema=False,
        response_class=HTMLResponse,
    )
    return [*docs.routes, Mount("/api/static", StaticFiles(directory=_STATIC), name="api-static")]


def _unknown_routes(route: type[APIRoute]) -> list[BaseRoute]:
    """Last: any other /api or /v1 address gets a JSON 404 too, not the page's {"detail"}."""
    unknown = APIRouter(route_class=route)

    @unknown.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    @unknown.api_route("/v1/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def no_route(request: Request) -> None:
        raise RagError(f"No route {request.method} {request.url.path}.", fix="GET /api/docs lists the routes.", status=404)

    return list(unknown.routes)


async def _read_upload(request: Request, max_file_bytes: int) -> list[tuple[str, bytes]]:
    """The (name, bytes) of each `file` part; a request too large is refused before its
    body is read, and each file is read no further than the size limit allows."""
    limit = max_file_bytes * 4 + 2**20
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise RagError("The upload has no Content-Length.", fix="Send it as multipart/form-data with a length.", status=411)
    if int(length) > limit:
        raise RagError(
            f"The upload is {int(length) / 2**20:,.1f} MB; one request may carry {limit / 2**20:,.0f} MB.",
            fix="Send fewer or smaller files per request (RAG_MAX_FILE_MB is the limit per file).",
            status=413,
        )
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise RagError("Documents are uploaded as multipart/form-data.", fix="Send each file in a part named `file`.", status=400)
    form = await request.form(max_files=MAX_FILES_PER_REQUEST, max_fields=MAX_FILES_PER_REQUEST)
    try:
        parts = form.getlist("file")
        if not parts or any(isinstance(p, str) for p in parts):
            raise RagError("No file in the upload.", fix="Send each file in a multipart part named `file`.", status=400)
        files = []
        for part in parts:
            size = part.size or 0  # type: ignore[union-attr]
            if size > max_file_bytes:  # refused here, with its real size, before it is read
                raise RagError(
                    f"{part.filename}: {size / 2**20:,.1f} MB is over the {max_file_bytes / 2**20:,.0f} MB limit.",  # type: ignore[union-attr]
                    fix="Split it, or raise RAG_MAX_FILE_MB.",
                    status=413,
                )
            data = await part.read(max_file_bytes + 1)  # type: ignore[union-attr]
            files.append((part.filename or "document", data))  # type: ignore[union-attr]
        return files
    finally:
        await form.close()
