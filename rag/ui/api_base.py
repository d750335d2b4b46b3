"""What every REST route shares: credentials, JSON errors ``{"error", "fix"}`` with the
status of the RagError, and a bound on the questions answered at once."""

from __future__ import annotations

import base64
import binascii
import logging
import secrets
import threading
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.types import Message

from rag.errors import RagError
from rag.index.store import REBUILD_HINT
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.pipeline import RAG
    from rag.retrieval.retriever import Retriever

DOCS_HINT = "See /api/docs for the fields each route takes."
MAX_JSON_BYTES = 1 << 20
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOO_LARGE = "The request body is too large (over 1 MB)."
TOO_LARGE_FIX = "Send questions, not documents, as JSON; upload documents with POST /api/documents."
# Uploads are multipart and capped by their own reader (size per file), as they stream.
UPLOAD_ROUTE = ("POST", "/api/documents")
log = logging.getLogger("rag")


def error_response(exc: RagError, openai_shape: bool = False) -> JSONResponse:
    """``{"error", "fix"}``; OpenAI's routes nest it as ``{"error": {"message", "type", "fix"}}``
    so OpenAI clients show the message."""
    headers = {"WWW-Authenticate": 'Basic realm="rag", charset="UTF-8"'} if exc.status == 401 else None
    body: dict[str, Any] = {"error": exc.message, "fix": exc.fix}
    if openai_shape:
        kind = "invalid_request_error" if exc.status < 500 else "server_error"
        body = {"error": {"message": f"{exc.message} {exc.fix}".strip(), "type": kind, "code": exc.status, "fix": exc.fix}}
    return JSONResponse(body, status_code=exc.status, headers=headers)


def validation_error(exc: RequestValidationError) -> RagError:
    problems = []
    for e in exc.errors()[:5]:
        where = ".".join(str(part) for part in e.get("loc", ()) if part != "body") or "body"
        problems.append(f"{where}: {e.get('msg', 'invalid')}")
    return RagError(f"Bad request: {'; '.join(problems)}.", fix=DOCS_HINT, status=400)


class JsonErrorRoute(APIRoute):
    """A route whose RagErrors and validation errors become JSON errors, without touching
    how the page's own (Gradio) routes answer theirs. ``guard`` (credentials) runs before
    FastAPI reads the body, and a body over MAX_JSON_BYTES is refused with 413: unread when
    its Content-Length says so, else as soon as that much has arrived, whatever its type,
    spelling or transfer encoding (the upload route has its own cap)."""

    openai_shape = False
    guard: Callable[[Request], None] | None = None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        shape, guard = self.openai_shape, type(self).guard

        async def route(request: Request) -> Response:
            try:
                if guard is not None:
                    guard(request)
                if (request.method, request.url.path) != UPLOAD_ROUTE:
                    length = request.headers.get("content-length", "")
                    if length.isdigit() and int(length) > MAX_JSON_BYTES:
                        raise RagError(TOO_LARGE, fix=TOO_LARGE_FIX, status=413)
                    cap_body(request, MAX_JSON_BYTES)
                return await handler(request)
            except RagError as exc:
                return error_response(exc, shape)
            except RequestValidationError as exc:
                return error_response(validation_error(exc), shape)
            except HTTPException as exc:  # e.g. a malformed multipart body, or one over the cap
                if exc.status_code == 413:
                    return error_response(RagError(TOO_LARGE, fix=TOO_LARGE_FIX, status=413), shape)
                detail = str(exc.detail).rstrip(".")
                return error_response(RagError(f"Bad request: {detail}.", fix=DOCS_HINT, status=exc.status_code), shape)
            except Exception as exc:  # still JSON, the details in the server's log
                log.exception("API route %s failed", request.url.path)
                failed = RagError(f"The server failed ({type(exc).__name__}).", fix="See the server's log; try again.", status=500)
                return error_response(failed, shape)

        return route


def cap_body(request: Request, limit: int) -> None:
    """Stop reading ``request``'s body once more than ``limit`` bytes have come: FastAPI's
    body reader re-raises the HTTPException (413) as it is, before parsing anything."""
    receive = request.receive
    seen = 0

    async def capped() -> Message:
        nonlocal seen
        message = await receive()
        if message.get("type") == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise HTTPException(413, TOO_LARGE)
        return message

    request._receive = capped


class OpenAIErrorRoute(JsonErrorRoute):
    openai_shape = True


def check_credentials(settings: Settings, request: Request) -> None:
    """With RAG_UI_AUTH or RAG_API_TOKEN set, a request needs HTTP Basic with the page's
    user and password, or ``Authorization: Bearer <RAG_API_TOKEN>``."""
    if settings.serve.ui_auth is None and settings.serve.api_token is None:
        return
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    value = value.strip()
    token = settings.serve.api_token
    if scheme.lower() == "bearer" and token is not None and secrets.compare_digest(value.encode(), token.get_secret_value().encode()):
        return
    if scheme.lower() == "basic" and settings.serve.ui_auth is not None:
        try:
            given = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            given = b""
        if secrets.compare_digest(given, settings.serve.ui_auth.get_secret_value().encode()):
            return
    ways = ["HTTP Basic with RAG_UI_AUTH's user and password"] if settings.serve.ui_auth else []
    ways += ["Authorization: Bearer <RAG_API_TOKEN>"] if settings.serve.api_token else []
    raise RagError("This API needs credentials.", fix=f"Send {' or '.join(ways)}.", status=401)


class AnswerSlots:
    """At most ``n`` questions answered at once across the API; a caller waits up to
    ``wait_s`` for a slot, then hears 503 instead of piling up behind a slow model."""

    def __init__(self, n: int, wait_s: float) -> None:
        self._slots = threading.BoundedSemaphore(n)
        self._wait_s = wait_s

    def __enter__(self) -> AnswerSlots:
        if not self._slots.acquire(timeout=self._wait_s):
            raise RagError("The server is busy answering other questions.", fix="Try again in a moment.", status=503)
        return self

    def __exit__(self, *exc: object) -> None:
        self._slots.release()


def ready(rag: RAG) -> Retriever:
    """The loaded index, or 503 when there is none to answer from yet."""
    try:
        return rag.ensure_index()
    except RagError as exc:
        building = rag.indexer.state.running
        fix = "Wait for the index update to finish (GET /api/health)." if building else exc.fix or REBUILD_HINT
        raise RagError(f"The index is not ready: {exc.message}", fix=fix, status=503) from exc
