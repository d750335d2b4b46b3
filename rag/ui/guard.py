"""What the web server refuses before Gradio sees a request.

Gradio serves files back from its cache folder (``/file=``), uploads included. The page
needs none of that: the Documents tab's uploads go into the corpus folder and their
temporary copies are deleted at once. So the file routes are refused, and nothing
uploaded can be fetched back through the page (or the machine's other files with it).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]

# Gradio's file routes, with and without its /gradio_api prefix.
_FILE = re.compile(r"^(/gradio_api)?/file[=/]")


def refusal(path: str) -> tuple[int, str] | None:
    """(status, message) for a request the server must refuse, else None."""
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
