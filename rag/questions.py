"""Checks on a question before any work is done with it."""

from __future__ import annotations

import unicodedata

from rag.errors import RagError

EXAMPLE = "西伯利亞力量2號管道每年最多可輸送多少天然氣？"


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise RagError(f"The question must be text, not {type(question).__name__}.", fix=f"Ask e.g. 「{EXAMPLE}」")
    # Control characters (NUL, escape codes) carry no meaning and confuse tokenisers.
    text = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if not text:
        raise RagError("The question is empty.", fix=f"Type a question, e.g. 「{EXAMPLE}」")
    if len(text) > max_chars:
        raise RagError(
            f"The question is {len(text):,} characters long; the limit is {max_chars:,}.",
            fix="Shorten it to the essential question, or raise RAG_MAX_QUESTION_CHARS.",
        )
    return text


def check_k(k: int, limit: int = 100) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= limit:
        raise RagError(f"k must be a whole number from 1 to {limit}, got {k!r}.", fix="Pass e.g. -k 5.")
    return k
