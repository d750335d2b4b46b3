"""Run a question set through retrieval (and answering) and score it."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from tqdm import tqdm

from rag.answer.replay import RECORDED_SETTINGS
from rag.eval.scoring import (
    EvalQuestion,
    answer_scores,
    gold_paragraph_ids,
    holds_answer,
    point_coverage,
    repeated_sentences,
    retrieval_metrics,
)
from rag.pipeline import RAG
from rag.text.numbers import unsupported_numbers
from rag.types import Answer

RANK_DEPTH = 10  # recall@10, MRR@10, nDCG@10 need the top 10


def count_unflagged_numbers(answer: Answer) -> int:
    """Sentences kept as supported whose numbers do not all occur in the paragraphs they cite."""
    by_key = {p.rank: p.text for p in answer.passages}
    bad = 0
    for s in answer.sentences:
        if s.supported and not any(by_key.get(k) and not unsupported_numbers(s.text, by_key[k]) for k in s.keys):
            bad += 1
    return bad


def _latency(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"latency_ms_p50": 1000 * float(np.percentile(values, 50)), "latency_ms_p95": 1000 * float(np.percentile(values, 95))}


def _open_scores(answer: Answer, q: EvalQuestion, gold: set[str]) -> dict[str, Any]:
    """An open question's scores: key points stated, sentences said twice, and per quoted
    sentence whether its citation points at a gold paragraph (or at least its document)."""
    gold_docs = {pid.rsplit("#p", 1)[0] for pid in gold}
    return {
        "kind": q.kind,
        "lang": q.lang,
        "coverage": point_coverage(answer.text, q.points),
        "points_missed": [p[0] for p in q.points if not holds_answer(answer.text, p)],
        "repeated_sentences": repeated_sentences([c.text for c in answer.citations]),
        "sentence_citations": len(answer.citations),
        "sentence_citations_gold": sum(c.paragraph_id in gold for c in answer.citations),
        "sentence_citations_gold_doc": sum(c.doc_id in gold_docs for c in answer.citations),
    }


def open_summary(per_question: list[dict[str, Any]]) -> dict[str, Any]:
    """Key-point coverage over the open questions, overall and per kind and language, with
    refusals, repeated sentences and per-sentence citation precision."""
    rows = [r for r in per_question if "coverage" in r]
    if not rows:
        return {}

    def mean(group: list[dict[str, Any]]) -> float:
        return round(float(np.mean([r["coverage"] for r in group])), 3)

    cited = sum(r["sentence_citations"] for r in rows)
    return {
        "open_questions": len(rows),
        "key_point_coverage": mean(rows),
        "key_point_coverage_by_kind": {k: mean([r for r in rows if r["kind"] == k]) for k in sorted({r["kind"] for r in rows})},
        "key_point_coverage_by_lang": {k: mean([r for r in rows if r["lang"] == k]) for k in sorted({r["lang"] for r in rows})},
        "open_refusals": sum(bool(r["abstained"]) for r in rows) / len(rows),
        "answers_repeating_a_sentence": sum(r["repeated_sentences"] > 0 for r in rows),
        "sentence_citation_precision": sum(r["sentence_citations_gold"] for r in rows) / cited if cited else None,
        "sentence_citation_precision_by_document": sum(r["sentence_citations_gold_doc"] for r in rows) / cited if cited else None,
    }


def run_eval(
    rag: RAG,
    questions: list[EvalQuestion],
    answers: bool = False,
    mode: str | None = None,
    model: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    retriever = rag.ensure_index()
    paragraphs = {pid: p.text for pid, p in retriever.stored.paragraphs.items()}
    rankings, golds, latencies, answer_latencies, first_tokens = [], [], [], [], []
    answer_rows: list[dict[str, float]] = []
    cited = cited_gold = errors = unflagged_numbers = 0
    citing_answers = all_gold_answers = 0
    spans_scored = spans_right = quoting_answers = quoting_right = 0
    retried: list[dict[str, Any]] = []  # refusals asked again (the top passage alone, or with the others)
    withheld = withheld_cited = withheld_gold = 0
    abstained_right = unanswerable = false_abstentions = answerable = 0
    per_question = []
    for q in tqdm(questions, desc="questions", unit="q", disable=not progress, file=None):
        gold = gold_paragraph_ids(q, paragraphs)
        t0 = time.perf_counter()
        passages = rag.retrieve(q.question, RANK_DEPTH, mode)
        latencies.append(time.perf_counter() - t0)
        ranking = [p.paragraph_id for p in passages]
        record: dict[str, Any] = {"id": q.qid, "question": q.question, "gold": sorted(gold), "ranking": ranking}
        if gold:
            rankings.append(ranking)
            golds.append(gold)
        if answers:
            t0 = time.perf_counter()
            answer = rag.answer(q.question, passages[: rag.settings.top_k], model, mode)
            answer_latencies.append(time.perf_counter() - t0)
            record.update(
                answer=answer.text,
                model_answer=answer.model_text,
                answer_ms=round(1000 * answer_latencies[-1], 1),
                abstained=answer.abstained,
                cited=[c.paragraph_id for c in answer.citations],
                cited_spans=[c.text for c in answer.citations],
                unsupported=[s.text for s in answer.unsupported],
                error=answer.error,
                timings=answer.timings.model_dump(),
                refused_first=answer.refused_first,
                quoted_instead=answer.quoted_instead,
            )
            if answer.timings.first_token_ms is not None:
                first_tokens.append(answer.timings.first_token_ms / 1000)
            errors += bool(answer.error)
            unflagged_numbers += count_unflagged_numbers(answer)
            if q.unanswerable:
                unanswerable += 1
                abstained_right += answer.abstained
            else:
                answerable += 1
                false_abstentions += answer.abstained
                if q.answers:
                    scores = answer_scores(answer.text, q.answers)
                    answer_rows.append(scores)
                    record.update(scores)
                if q.points:
                    record.update(_open_scores(answer, q, gold))
                hits = [c.paragraph_id in gold for c in answer.citations]
                cited += len(hits)
                cited_gold += sum(hits)
                if hits:
                    # Per answer as well: one long answer that copies a wrong paragraph
                    # sentence by sentence weighs as much as many short ones per citation.
                    citing_answers += 1
                    all_gold_answers += all(hits)
                if hits and q.answers:
                    # What the page highlights must say the answer: a quote of the gold
                    # paragraph that misses it counts as wrong here.
                    said = [hit and holds_answer(c.text, q.answers) for hit, c in zip(hits, answer.citations, strict=True)]
                    spans_scored += len(said)
                    spans_right += sum(said)
                    quoting_answers += 1
                    quoting_right += any(said)
                if answer.abstained and any(s.supported for s in answer.sentences):
                    # Withheld because its lead sentence failed (rag/citations/verify.py): score the
                    # keys its supported sentences had, to show what withholding changes.
                    withheld += 1
                    by_rank = {p.rank: p.paragraph_id for p in answer.passages}
                    keys = {k for s in answer.sentences if s.supported for k in s.keys}
                    withheld_cited += len(keys)
                    withheld_gold += sum(by_rank.get(k) in gold for k in keys)
        if answers and answer.refused_first:
            retried.append(record)
        per_question.append(record)

    report: dict[str, Any] = {
        "questions": len(questions),
        "retrieval": {"evaluated": len(rankings), **retrieval_metrics(rankings, golds), **_latency(latencies)},
    }
    if answers:
        summary: dict[str, Any] = {
            key: float(np.mean([r[key] for r in answer_rows])) if answer_rows else None for key in ("exact_match", "contains", "char_f1")
        }
        summary.update(
            citation_precision=cited_gold / cited if cited else None,
            citations=cited,
            answers_citing_only_gold=all_gold_answers / citing_answers if citing_answers else None,
            answers_citing=citing_answers,
            span_precision=spans_right / spans_scored if spans_scored else None,
            answers_quoting_the_answer=quoting_right / quoting_answers if quoting_answers else None,
            withheld_answers=withheld,
            citation_precision_if_withheld_were_shown=(cited_gold + withheld_gold) / (cited + withheld_cited)
            if cited + withheld_cited
            else None,
            abstention_accuracy=abstained_right / unanswerable if unanswerable else None,
            unanswerable=unanswerable,
            false_abstention_rate=false_abstentions / answerable if answerable else None,
            refusals_retried=len(retried),
            retries_answered=sum(not r["abstained"] for r in retried),
            retries_answered_right=sum(not r["abstained"] and r.get("contains", 0.0) > 0 for r in retried),
            # rag.citations.clear_match: withheld answers replaced by a quote of the clear match
            answers_quoted_instead=sum(bool(r.get("quoted_instead")) for r in per_question),
            quoted_instead_right=sum(bool(r.get("quoted_instead")) and r.get("contains", 0.0) > 0 for r in per_question),
            model_errors=errors,
            unflagged_unsupported_numbers=unflagged_numbers,
            **_latency(answer_latencies),
            **{k.replace("latency", "first_token"): v for k, v in _latency(first_tokens).items()},
        )
        summary.update(open_summary(per_question))
        report["answers"] = summary
        report["model"] = model or rag.settings.answer_model
        used = getattr(rag.backend(model), "settings", rag.settings)  # a replay's are the recording's
        report["answer_settings"] = {k: getattr(used, k) for k in RECORDED_SETTINGS}
    report["per_question"] = per_question
    return report
