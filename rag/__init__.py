"""Question answering over a document folder with citations to exact source paragraphs.

>>> import rag
>>> rag.ask("西伯利亞力量2號管道每年最多可輸送多少天然氣？").text
>>> rag.retrieve("蒙古国的外交政策", k=3)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.pipeline import RAG
    from rag.types import Answer, Passage

__all__ = ["RagError", "ask", "retrieve", "default_rag"]
_default: RAG | None = None


def default_rag() -> RAG:
    """The process-wide pipeline on the default settings (RAG_* environment variables)."""
    global _default
    if _default is None:
        from rag.pipeline import RAG

        _default = RAG()
    return _default


def retrieve(question: str, k: int = 5) -> list[Passage]:
    return default_rag().retrieve(question, k)


def ask(question: str, k: int | None = None) -> Answer:
    return default_rag().ask(question, k)
