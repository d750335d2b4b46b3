"""What the web server refuses before Gradio sees a request.

Gradio serves files back from its cache folder (``/file=``), uploads included. The page
needs none of that: the Documents tab's uploads go into the corpus folder and their
temporary copies are deleted at once. So the file routes are refused, and nothing
uploaded can be fetched back through the page (or the machine's other files with it).

With a password (RAG_UI_AUTH), Gradio itself checks only some of its routes: its schema,
its heartbeat (a stream held open for as long as the caller likes), reset and cancel
answer anyone. So every route but the login page and what it loads needs the page's login
cookie or the API's credentials, and a client holds at most STREAMS_PER_CLIENT open streams.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from starlette.requests import Request

from rag.errors import RagError
from rag.settings import Settings
from rag.ui.api_base import check_credentials

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

# Gradio's file routes, with and without its /gradio_api prefix.
_FILE = re.compile(r"^(/gradio_api)?/file[=/]")


# What the login page loads, what Gradio asks itself at launch (startup-events, once), and
# the REST and OpenAI routes (which check credentials themselves).
_OPEN = re.compile(r"^/(?:$|login/?$|logout/?$|static/|assets/|theme\.css|favicon\.ico|manifest\.json|gradio_api/startup-events$|api/|v1/)")
# Gradio's long-lived responses: the page's heartbeat and the queue's event stream.
_STREAM = re.compile(r"^(/gradio_api)?/(?:heartbeat/|queue/data)")
STREAMS_PER_CLIENT = 64  # a page holds two; every client on one machine shares its address


def refusal(path: str) -> tuple[int, str] | None:
    """(status, message) for a request the server must refuse, else None."""
    if _FILE.match(path):
        return 403, "This server serves no files."
    return None


def signed_in(scope: Scope, settings: Settings) -> bool:
    """Whether the request carries Gradio's login cookie for a live session, or the API's
    credentials (HTTP Basic with the page's password, or the bearer token)."""
    app = scope.get("app")
    cookie_id, tokens = getattr(app, "cookie_id", None), getattr(app, "tokens", None) or {}
    header = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"cookie"), "")
    try:
        cookies = SimpleCookie(header)
    except CookieError:
        cookies = SimpleCookie()
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        if cookie_id and name in cookies and cookies[name].value in tokens:
            return True
    try:
        check_credentials(settings, Request(scope))
        return True
    except RagError:
        return False


class Guard:
    """ASGI middleware: answers refused requests with a JSON error, passes the rest on: with
    a password, only requests that are signed in (or for the login page), and no more than
    STREAMS_PER_CLIENT open streams per client address."""

    def __init__(self, app: ASGIApp, settings: Settings | None = None) -> None:
        self.app = app
        self.settings = settings
        self.streams: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        refused = refusal(path)
        settings = self.settings
        locked = settings is not None and settings.serve.ui_auth is not None
        if refused is None and settings is not None and locked and not _OPEN.match(path) and not signed_in(scope, settings):
            refused = 401, "Log in first: open the page and sign in, or send the API's credentials."
        if refused is None and _STREAM.match(path):
            client = (scope.get("client") or ("?",))[0]
            if self.streams[client] >= STREAMS_PER_CLIENT:
                refused = 429, f"Too many open streams from this address (at most {STREAMS_PER_CLIENT}); close a tab and try again."
            else:
                self.streams[client] += 1
                try:
                    await self.app(scope, receive, send)
                finally:
                    self.streams[client] -= 1
                return
        if refused is not None:
            status, message = refused
            body = json.dumps({"error": message}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
