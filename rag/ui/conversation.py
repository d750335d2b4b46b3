"""The page's conversation as the browser keeps it: each turn's question and verified
answer (``Answer.model_dump()``), kept in the browser's own storage (Gradio's
BrowserState), so it survives a reload and is never shared between users. From it the
page re-renders the turns, passes the history on with a follow-up question, and exports
the conversation as Markdown with each answer's citations and quoted sources."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from rag.types import Answer, Turn
from rag.ui import render as R
from rag.ui.page_image import cited_pages

log = logging.getLogger("rag")
STORAGE_KEY = "rag-cjk-conversation-v1"
MAX_SAVED_TURNS = 50  # the browser's storage holds a few MB; the oldest turns go first

# Downloads the Markdown the export button put in the hidden box: made in the browser
# from a Blob, so the server serves no file (its file routes stay closed).
EXPORT_JS = """
(markdown) => {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([markdown], {type: 'text/markdown;charset=utf-8'}));
  link.download = 'conversation.md';
  document.body.appendChild(link);
  link.click();
  setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
  return markdown;
}
"""


def saved_turn(question: str, language: str, answer: Answer) -> dict[str, Any]:
    return {"question": question, "language": language, "answer": answer.model_dump()}


def restore(saved: list[dict[str, Any]] | None) -> list[tuple[dict[str, Any], Answer]]:
    """The saved turns that still read as answers (a turn saved by an older version that
    no longer validates is dropped, not shown broken)."""
    out = []
    for turn in (saved or [])[-MAX_SAVED_TURNS:]:  # the browser's state is the browser's: checked, and bounded
        try:
            if not isinstance(turn["question"], str) or turn.get("language") not in R.WORDS:
                raise TypeError("not a saved turn")
            out.append((turn, Answer.model_validate(turn["answer"])))
        except (ValidationError, KeyError, TypeError, AttributeError):
            log.info("Dropped a saved conversation turn that no longer reads as an answer.")
    return out


def rendered(saved: list[dict[str, Any]] | None, corpus_dir: Path) -> list[dict[str, Any]]:
    """The page's turns (html, cards) for the saved ones, pictures of cited pages included."""
    turns = []
    for n, (turn, answer) in enumerate(restore(saved), 1):
        language = turn.get("language", "en")
        body = R.answer_html(n, answer, language)
        turns.append(
            {
                "n": n,
                "language": language,
                "html": R.turn_html(n, turn["question"], language, body, answer.standalone_question),
                "cards": R.source_cards(n, answer, language, cited_pages(corpus_dir, answer)),
            }
        )
    return turns


def history(saved: list[dict[str, Any]] | None) -> list[Turn]:
    out: list[Turn] = []
    for turn, answer in restore(saved):
        out.append(Turn(role="user", content=turn["question"][:20_000]))
        out.append(Turn(role="assistant", content=answer.text[:20_000]))
    return out


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.splitlines() or [""])


def markdown(saved: list[dict[str, Any]] | None) -> str:
    """The conversation as Markdown: each question, the answer with its [n] markers, and
    every citation with where it is and the quoted source text."""
    parts = ["# Conversation · 對話\n"]
    for n, (turn, answer) in enumerate(restore(saved), 1):
        parts.append(f"## {n}. {turn['question']}\n")
        if answer.standalone_question:
            parts.append(f"*Answered as · 改寫為:* {answer.standalone_question}\n")
        parts.append((answer.error and f"**Error:** {answer.error}") or answer.text)
        parts.append("")
        for c in answer.citations:
            where = c.location or c.paragraph_id
            parts.append(f"[{c.key}] **{where}** (characters {c.start}–{c.end}){' · OCR' if c.ocr else ''}\n")
            parts.append(_quote(c.text) + "\n")
    return "\n".join(parts).rstrip() + "\n"
