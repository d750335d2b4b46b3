"""Replay what a model wrote in an earlier ``rag eval --answers`` run through today's
citation checks (``rag eval --answers --replay REPORT``).

A verifier change can then be measured in about a minute instead of an hour of generation. The
replay is exact only while the model would write the same text: answers are generated at
temperature 0 from a prompt built from the question and the retrieved passages, so each
question's retrieval is compared with the recording and a mismatch is reported as an error
for that question rather than scored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rag.answer.backends import Final, Token
from rag.answer.generative import GenerativeBackend
from rag.errors import RagError
from rag.models.embedding import Embedder
from rag.settings import FORMER, Settings
from rag.types import Answer, Passage


class _Recorded:
    """A chat model that writes the recorded texts in turn: the refusal it was asked again
    after, if any, then the answer kept."""

    def __init__(self, refused_first: str, kept: str) -> None:
        self.texts = [refused_first, kept] if refused_first else [kept]

    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str]:
        yield self.texts.pop(0) if len(self.texts) > 1 else self.texts[0]


def load_recording(path: Path) -> dict[str, Any]:
    """A report written by ``rag eval --answers`` with the model's own text per question."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RagError(f"Cannot read the recorded report {path}: {exc}.", fix="Pass a JSON report written by rag eval --answers.") from exc
    rows = report.get("per_question") if isinstance(report, dict) else None
    if not rows or not all("model_answer" in r for r in rows if "answer" in r) or not any("answer" in r for r in rows):
        raise RagError(
            f"{path} does not record what the model wrote.",
            fix="Re-run rag eval --answers --model NAME with this version; its report can then be replayed.",
        )
    return report


# Settings that decide what the model was shown first and whether it was asked again; a
# replay takes the recording's, so its texts are checked against what the model read.
RECORDED_SETTINGS = ("prompt_budget", "answer_passages", "lone_passage_margin", "refusal_retry_margin", "citation_keys")


def as_recorded(report: dict[str, Any], settings: Settings) -> Settings:
    """``settings`` with the recording's answer settings. Recordings from before they were
    saved showed every passage first (there was no lone passage); those from before sentence
    keys asked for paragraph keys."""
    recorded = {"citation_keys": "paragraph", **(report.get("answer_settings") or {"lone_passage_margin": None})}
    # Reports recorded before a setting was renamed name it by its former name (Settings reads both).
    return settings.changed(**{k: v for k, v in recorded.items() if k in RECORDED_SETTINGS or k in FORMER})


class ReplayBackend:
    def __init__(self, report: dict[str, Any], source: str, embedder: Embedder, settings: Settings) -> None:
        self.name = f"{report.get('model', 'model')} replayed from {source}"
        self.records = {r["question"]: r for r in report["per_question"] if "answer" in r}
        self.embedder = embedder
        self.settings = as_recorded(report, settings)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]:
        record = self.records.get(question)
        ranking = [p.paragraph_id for p in passages]
        if record is None or record.get("error") or record["ranking"][: len(ranking)] != ranking:
            why = (
                "it is not in the recording" if record is None else record["error"] or "its retrieved passages differ from the recording's"
            )
            error = f"Cannot replay this question: {why}."
            yield Final(Answer(question=question, text="", passages=passages, model=self.name, error=error))
            return
        recorded = _Recorded(record.get("refused_first", ""), record["model_answer"])
        yield from GenerativeBackend(self.name, recorded, self.embedder, self.settings).stream(question, passages)
