"""The answer scores of a question set, added up question by question (rag.eval.runner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.eval.scoring import EvalQuestion, answer_scores, holds_answer, point_coverage, repeated_sentences
from rag.text.numbers import unsupported_numbers
from rag.types import Answer


def latency(values: list[float]) -> dict[str, float]:
    """p50 and p95 in milliseconds of ``values`` in seconds; nothing for no values."""
    if not values:
        return {}
    return {"latency_ms_p50": 1000 * float(np.percentile(values, 50)), "latency_ms_p95": 1000 * float(np.percentile(values, 95))}


def count_unflagged_numbers(answer: Answer) -> int:
    """Sentences kept as supported whose numbers do not all occur in the paragraphs they cite."""
    by_key = {p.rank: p.text for p in answer.passages}
    bad = 0
    for s in answer.sentences:
        if s.supported and not any(by_key.get(k) and not unsupported_numbers(s.text, by_key[k]) for k in s.keys):
            bad += 1
    return bad


def open_scores(answer: Answer, q: EvalQuestion, gold: set[str]) -> dict[str, Any]:
    """An open question's scores: key points stated, sentences said twice, and per quoted
    sentence whether its citation points at a gold paragraph (or at least its document)."""
    gold_docs = {pid.rsplit("#p", 1)[0] for pid in gold}
    return {
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
        "key_point_coverage_by_kind": _by(rows, "kind", mean),
        "key_point_coverage_by_lang": _by(rows, "lang", mean),
        "open_refusals": sum(bool(r["abstained"]) for r in rows) / len(rows),
        "answers_repeating_a_sentence": sum(r["repeated_sentences"] > 0 for r in rows),
        "sentence_citation_precision": sum(r["sentence_citations_gold"] for r in rows) / cited if cited else None,
        "sentence_citation_precision_by_document": sum(r["sentence_citations_gold_doc"] for r in rows) / cited if cited else None,
    }


def _by(rows: list[dict[str, Any]], key: str, figure) -> dict[str, float]:
    """``figure`` of the rows grouped by ``key`` (kind, lang: run_eval writes both on every record)."""
    groups = sorted({r.get(key, "") for r in rows})
    return {g: figure([r for r in rows if r.get(key, "") == g]) for g in groups}


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class AnswerTally:
    """Counts over the answers so far; ``add`` one answer, ``summary`` at the end."""

    scores: list[dict[str, float]] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    first_tokens: list[float] = field(default_factory=list)
    retried: list[dict[str, Any]] = field(default_factory=list)  # refusals asked again
    errors: int = 0
    unflagged_numbers: int = 0
    unanswerable: int = 0
    abstained_right: int = 0
    answerable: int = 0
    false_abstentions: int = 0
    cited: int = 0
    cited_gold: int = 0
    citing_answers: int = 0
    all_gold_answers: int = 0
    spans_scored: int = 0
    spans_right: int = 0
    quoting_answers: int = 0
    quoting_right: int = 0
    withheld: int = 0
    withheld_cited: int = 0
    withheld_gold: int = 0

    def add(self, q: EvalQuestion, gold: set[str], answer: Answer, seconds: float, record: dict[str, Any]) -> None:
        """Count one answer, and write its scores into the question's ``record``."""
        self.latencies.append(seconds)
        if answer.timings.first_token_ms is not None:
            self.first_tokens.append(answer.timings.first_token_ms / 1000)
        self.errors += bool(answer.error)
        self.unflagged_numbers += count_unflagged_numbers(answer)
        if answer.refused_first:
            self.retried.append(record)
        if q.unanswerable:
            self.unanswerable += 1
            self.abstained_right += answer.abstained
            return
        self.answerable += 1
        self.false_abstentions += answer.abstained
        if q.answers:
            scores = answer_scores(answer.text, q.answers)
            self.scores.append(scores)
            record.update(scores)
        if q.points:
            record.update(open_scores(answer, q, gold))
        self._citations(q, gold, answer)

    def _citations(self, q: EvalQuestion, gold: set[str], answer: Answer) -> None:
        hits = [c.paragraph_id in gold for c in answer.citations]
        self.cited += len(hits)
        self.cited_gold += sum(hits)
        if hits:
            # Per answer as well: one long answer that copies a wrong paragraph
            # sentence by sentence weighs as much as many short ones per citation.
            self.citing_answers += 1
            self.all_gold_answers += all(hits)
        if hits and q.answers:
            # What the page highlights must say the answer: a quote of the gold
            # paragraph that misses it counts as wrong here.
            said = [hit and holds_answer(c.text, q.answers) for hit, c in zip(hits, answer.citations, strict=True)]
            self.spans_scored += len(said)
            self.spans_right += sum(said)
            self.quoting_answers += 1
            self.quoting_right += any(said)
        if answer.abstained and any(s.supported for s in answer.sentences):
            # Withheld because its lead sentence failed (rag/citations/verify.py): score the
            # keys its supported sentences had, to show what withholding changes.
            self.withheld += 1
            by_rank = {p.rank: p.paragraph_id for p in answer.passages}
            keys = {k for s in answer.sentences if s.supported for k in s.keys}
            self.withheld_cited += len(keys)
            self.withheld_gold += sum(by_rank.get(k) in gold for k in keys)

    def summary(self, per_question: list[dict[str, Any]]) -> dict[str, Any]:
        quoted = [r for r in per_question if r.get("quoted_instead")]
        summary: dict[str, Any] = {
            key: float(np.mean([r[key] for r in self.scores])) if self.scores else None for key in ("exact_match", "contains", "char_f1")
        }
        summary.update(
            citation_precision=_share(self.cited_gold, self.cited),
            citations=self.cited,
            answers_citing_only_gold=_share(self.all_gold_answers, self.citing_answers),
            answers_citing=self.citing_answers,
            span_precision=_share(self.spans_right, self.spans_scored),
            answers_quoting_the_answer=_share(self.quoting_right, self.quoting_answers),
            withheld_answers=self.withheld,
            citation_precision_if_withheld_were_shown=_share(self.cited_gold + self.withheld_gold, self.cited + self.withheld_cited),
            abstention_accuracy=_share(self.abstained_right, self.unanswerable),
            unanswerable=self.unanswerable,
            false_abstention_rate=_share(self.false_abstentions, self.answerable),
            refusals_retried=len(self.retried),
            retries_answered=sum(not r["abstained"] for r in self.retried),
            retries_answered_right=sum(not r["abstained"] and r.get("contains", 0.0) > 0 for r in self.retried),
            # rag.citations.clear_match: withheld answers replaced by a quote of the clear match
            answers_quoted_instead=len(quoted),
            quoted_instead_right=sum(r.get("contains", 0.0) > 0 for r in quoted),
            model_errors=self.errors,
            unflagged_unsupported_numbers=self.unflagged_numbers,
            **latency(self.latencies),
            **{k.replace("latency", "first_token"): v for k, v in latency(self.first_tokens).items()},
        )
        summary.update(open_summary(per_question))
        return summary
