"""Run a question set through retrieval (and answering) and score it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tqdm import tqdm

from rag.answer.replay import RECORDED_SETTINGS
from rag.eval.scoring import EvalQuestion, gold_paragraph_ids, retrieval_metrics
from rag.eval.tally import AnswerTally, latency
from rag.pipeline import RAG
from rag.text.kinds import question_kind
from rag.text.language import detect_language
from rag.types import Answer

RANK_DEPTH = 10  # recall@10, MRR@10, nDCG@10 need the top 10


def answer_record(answer: Answer, seconds: float) -> dict[str, Any]:
    """What a report keeps of one answer: enough to read it and to score it again (--replay)."""
    return {
        "answer": answer.text,
        "model_answer": answer.model_text,
        "answer_ms": round(1000 * seconds, 1),
        "abstained": answer.abstained,
        "cited": [c.paragraph_id for c in answer.citations],
        "cited_spans": [c.text for c in answer.citations],
        "unsupported": [s.text for s in answer.unsupported],
        "error": answer.error,
        "timings": answer.timings.model_dump(),
        "refused_first": answer.refused_first,
        "quoted_instead": answer.quoted_instead,
    }


def run_eval(
    rag: RAG,
    questions: list[EvalQuestion],
    answers: bool = False,
    mode: str | None = None,
    model: str | None = None,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Each question retrieved (and with ``answers``, answered) and scored: the report's
    retrieval metrics, answer summary and one record per question. ``on_progress(done,
    total)`` is told after each question (the page's progress bar)."""
    retriever = rag.ensure_index()
    paragraphs = {pid: p.text for pid, p in retriever.stored.paragraphs.items()}
    rankings, golds, latencies = [], [], []
    tally = AnswerTally()
    per_question = []
    for done, q in enumerate(tqdm(questions, desc="questions", unit="q", disable=not progress, file=None)):
        if on_progress is not None:
            on_progress(done, len(questions))
        gold = gold_paragraph_ids(q, paragraphs)
        t0 = time.perf_counter()
        passages = rag.retrieve(q.question, RANK_DEPTH, mode)
        latencies.append(time.perf_counter() - t0)
        ranking = [p.paragraph_id for p in passages]
        record: dict[str, Any] = {
            "id": q.qid,
            "question": q.question,
            # labelled in the set, else as the answerers classify it: the report groups by both
            "kind": q.kind or question_kind(q.question),
            "lang": q.lang or detect_language(q.question),
            "gold": sorted(gold),
            "ranking": ranking,
            "retrieve_ms": round(1000 * latencies[-1], 1),
        }
        if gold:
            rankings.append(ranking)
            golds.append(gold)
        if answers:
            t0 = time.perf_counter()
            answer = rag.answer(q.question, passages[: rag.settings.retrieval.top_k], model, mode)
            seconds = time.perf_counter() - t0
            record.update(answer_record(answer, seconds))
            tally.add(q, gold, answer, seconds, record)
        per_question.append(record)

    report: dict[str, Any] = {
        "questions": len(questions),
        "retrieval": {"evaluated": len(rankings), **retrieval_metrics(rankings, golds), **latency(latencies)},
    }
    if answers:
        report["answers"] = tally.summary(per_question)
        report["model"] = model or rag.settings.answer.answer_model
        used = getattr(rag.backend(model), "settings", rag.settings)  # a replay's are the recording's
        report["answer_settings"] = {k: used.value(k) for k in RECORDED_SETTINGS}
    report["per_question"] = per_question
    return report
