"""What the web server refuses before Gradio sees a request.

Gradio opens an upload route to anyone who can reach the page, whether or not the page
has an upload component, and serves the uploaded files back from its cache folder. This
page takes no files (documents come in through the corpus folder), so both are refused:
nothing can be parked on the machine through it, or fetched back from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

# Gradio's routes, with and without its /gradio_api prefix.
_UPLOAD = re.compile(r"^(/gradio_api)?/upload(_progress)?/?$")
_FILE = re.compile(r"^(/gradio_api)?/file=")


def refusal(path: str) -> tuple[int, str] | None:
    """(status, message) for a request the server must refuse, else None."""
    if _UPLOAD.match(path):
        return 403, "This server takes no file uploads. Put documents in the corpus folder and run `rag index`."
    if _FILE.match(path):
        return 403, "This server serves no files."
    return None


class RefuseFiles:
    """ASGI middleware: answers refused requests with a JSON error, passes the rest on."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] == "http":
            refused = refusal(scope.get("path", ""))
            if refused is not None:
                status, message = refused
                body = json.dumps({"error": message}).encode()
                headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
