"""Multi-turn question sets: are follow-up questions found as well as the standalone
questions they stand for?

A set is JSON Lines, one conversation a line: ``{"id", "lang", "turns": [{"question",
"standalone", "follow_up", "answers", "gold_text"}]}``. Every turn is retrieved three ways:
``bare`` (as typed, no history), ``rewritten`` (as typed, with the conversation so far:
what the tool does) and ``standalone`` (the gold rewrite a person wrote). Recall@3 and
MRR@10 are reported for follow-up turns, for turns that change subject (rewriting should
leave them alone) and per language; with answers, 'contains' the same three ways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from tqdm import tqdm

from rag.errors import RagError
from rag.eval.scoring import EvalQuestion, answer_scores, gold_paragraph_ids, reciprocal_rank
from rag.pipeline import RAG
from rag.types import Turn

METHODS = ("bare", "rewritten", "standalone")
DEPTH = 10


class ConversationTurn(BaseModel):
    question: str
    standalone: str
    follow_up: bool = False
    answers: list[str] = Field(default_factory=list)
    gold_text: list[str] = Field(default_factory=list)


class Conversation(BaseModel):
    id: str
    lang: str = ""
    corpus: str = ""
    turns: list[ConversationTurn] = Field(min_length=1)


def is_conversation_set(path: Path) -> bool:
    if path.suffix.lower() != ".jsonl" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "")
    try:
        return "turns" in json.loads(first)
    except ValueError:
        return False


def load_conversations(path: Path) -> list[Conversation]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                out.append(Conversation.model_validate_json(line))
            except ValidationError as exc:
                detail = " ".join(str(exc).split())[:300]
                raise RagError(f"{path}:{n} is not a conversation record ({detail}).", fix="See rag/eval/conversations.py.") from exc
    return out


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _summary(rows: list[dict[str, Any]], answers: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"turns": len(rows)}
    for method in METHODS:
        scored = [r[method] for r in rows if r["gold"]]
        out[method] = {
            "recall@3": _mean([float(s["rank"] is not None and s["rank"] <= 3) for s in scored]),
            "mrr@10": _mean([s["rr"] for s in scored]),
        }
        if answers:
            out[method]["contains"] = _mean([s["contains"] for s in (r[method] for r in rows) if "contains" in s])
    out["rewritten_share"] = _mean([float(r["standalone_question"] != r["question"]) for r in rows])
    return out


def run_conversation_eval(
    rag: RAG, conversations: list[Conversation], answers: bool = False, model: str | None = None, progress: bool = True
) -> dict[str, Any]:
    retriever = rag.ensure_index()
    paragraphs = {pid: p.text for pid, p in retriever.stored.paragraphs.items()}
    rows: list[dict[str, Any]] = []
    for conv in tqdm(conversations, desc="conversations", unit="conv", disable=not progress):
        history: list[Turn] = []
        for n, turn in enumerate(conv.turns):
            gold = gold_paragraph_ids(EvalQuestion(question=turn.standalone, gold_text=turn.gold_text), paragraphs)
            kind = "first" if n == 0 else ("follow_up" if turn.follow_up else "subject_change")
            row: dict[str, Any] = {"id": f"{conv.id}#{n + 1}", "lang": conv.lang, "kind": kind, "question": turn.question}
            row["gold"] = sorted(gold)
            reply = ""
            made = rag.make_standalone(turn.question, history, model)  # once: a model's rewrite takes seconds
            asked = {"bare": (turn.question, []), "rewritten": (turn.question, history), "standalone": (turn.standalone, [])}
            for method, (question, context) in asked.items():
                found = rag.search_standalone(made, DEPTH) if method == "rewritten" else rag.retrieve(question, DEPTH)
                ranking = [p.paragraph_id for p in found]
                hit = next((i for i, pid in enumerate(ranking, 1) if pid in gold), None)
                row[method] = {"rank": hit, "rr": reciprocal_rank(ranking, gold)}
                if answers and (method == "rewritten" or kind == "follow_up"):
                    answer = rag.ask(question, model=model, history=context)
                    row[method]["contains"] = answer_scores(answer.text, turn.answers)["contains"]
                    row[method]["answer"] = answer.text
                    if method == "rewritten":
                        reply = answer.text
            row["standalone_question"] = made.standalone
            rows.append(row)
            history = [*history, Turn(role="user", content=turn.question)]
            if answers:
                history.append(Turn(role="assistant", content=reply[:20_000]))
    report: dict[str, Any] = {"conversations": len(conversations), "turns": len(rows), "model": model if answers else None}
    for kind in ("follow_up", "subject_change", "first"):
        report[kind] = _summary([r for r in rows if r["kind"] == kind], answers)
    languages = sorted({r["lang"] for r in rows})
    report["follow_up_by_language"] = {
        lang: _summary([r for r in rows if r["kind"] == "follow_up" and r["lang"] == lang], answers) for lang in languages
    }
    report["per_turn"] = rows
    return report
