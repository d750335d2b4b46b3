"""The one exception users see: what went wrong, and what to do about it."""

from __future__ import annotations


class RagError(Exception):
    """A problem the user can act on. ``fix`` says how, in one sentence."""

    def __init__(self, message: str, fix: str = "") -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message} {fix}".strip() if not fix else f"{message} Fix: {fix}")
