"""The one exception users see: what went wrong, and what to do about it."""

from __future__ import annotations


class RagError(Exception):
    """A problem the user can act on. ``fix`` says how, in one sentence. ``status`` is the
    HTTP status a web route answers it with (400 bad input, 404 unknown, 409 duplicate,
    413 too large, 415 unsupported type, 503 not ready)."""

    def __init__(self, message: str, fix: str = "", status: int = 400) -> None:
        self.message = message
        self.fix = fix
        self.status = status
        super().__init__(f"{message} {fix}".strip() if not fix else f"{message} Fix: {fix}")
