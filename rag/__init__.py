"""Question answering over a document folder with citations to exact source paragraphs.

>>> import rag
>>> rag.ask("西伯利亞力量2號管道每年最多可輸送多少天然氣？").text
>>> rag.retrieve("蒙古国的外交政策", k=3)
>>> library = rag.Library("my-documents")   # a folder of your own: add, remove, search, ask, stream
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

# Offline by default, set before any library reads it: models come from disk only (a hub
# look-up hangs on a machine without internet), and no library sends usage statistics.
# A user who wants one of these on sets the variable before starting.
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "RAY_USAGE_STATS_ENABLED": "0",
    # onnxruntime (the OCR models) sends events to Microsoft from 1.29 on Linux unless this
    # is set before it starts; tests/system/test_offline.py caught its DNS look-ups.
    "ORT_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
for _name, _value in OFFLINE_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
# OpenVINO (the question encoder) reports each use to Google Analytics unless a consent file in
# the user's home says no, or CI=true; with its telemetry package unimportable it falls back to
# its own no-op stub. tests/system/test_offline.py caught the DNS look-up outside CI.
sys.modules.setdefault("openvino_telemetry", None)  # type: ignore[arg-type]

from rag.errors import RagError  # noqa: E402 - after the environment above

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from rag.pipeline import RAG
    from rag.types import Answer, Passage, Turn
    from rag.ui.python_api import Library

__all__ = ["Library", "RagError", "ask", "default_rag", "retrieve"]
_default: RAG | None = None


def default_rag() -> RAG:
    """The process-wide pipeline on the default settings (RAG_* environment variables)."""
    global _default
    if _default is None:
        from rag.pipeline import RAG

        _default = RAG()
    return _default


def _scope_and_history(documents, since, until, history):
    from pydantic import ValidationError

    from rag.types import Scope, Turn

    try:
        scope = Scope(documents=tuple(documents or ()), since=since, until=until)
        return scope, [t if isinstance(t, Turn) else Turn(**t) for t in history or ()]
    except (ValidationError, TypeError) as exc:
        detail = " ".join(str(exc).split())
        raise RagError(f"Bad scope or history: {detail}", fix="Dates as YYYY-MM-DD; history as role and content pairs.") from exc


def retrieve(
    question: str,
    k: int = 5,
    *,
    documents: Sequence[str] | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    history: Sequence[dict | Turn] | None = None,
) -> list[Passage]:
    """The k best passages; ``documents`` / ``since`` / ``until`` limit them to those
    documents or dates, ``history`` ([{"role": "user", "content": ...}, ...]) makes a
    follow-up stand alone first."""
    scope, turns = _scope_and_history(documents, since, until, history)
    return default_rag().retrieve(question, k, scope=scope, history=turns)


def ask(
    question: str,
    k: int | None = None,
    *,
    model: str | None = None,
    documents: Sequence[str] | None = None,
    since: dt.date | str | None = None,
    until: dt.date | str | None = None,
    history: Sequence[dict | Turn] | None = None,
) -> Answer:
    """The cited answer, with the same scope and history arguments as ``retrieve``."""
    scope, turns = _scope_and_history(documents, since, until, history)
    return default_rag().ask(question, k, model, scope=scope, history=turns)


def __getattr__(name: str) -> object:
    """``rag.Library`` is imported when first used: ``import rag`` stays light."""
    if name == "Library":
        from rag.ui.python_api import Library

        return Library
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
