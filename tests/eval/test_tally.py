"""The answer tally: an open question's key points and per-sentence citations, a lookup's
spans, and an unanswerable question's abstention, each counted where the summary reads it."""

from __future__ import annotations

from rag.eval.scoring import EvalQuestion
from rag.eval.tally import AnswerTally
from rag.types import Answer, Citation, Timings

GOLD = {"a.txt#p1"}


def _answer(text: str, cited: list[tuple[str, str]], abstained: bool = False) -> Answer:
    citations = [
        Citation(key=i, paragraph_id=pid, text=span, start=0, end=len(span), doc_id=pid.split("#")[0])
        for i, (pid, span) in enumerate(cited, 1)
    ]
    return Answer(question="q", text=text, citations=citations, abstained=abstained, timings=Timings(first_token_ms=500.0))


def test_open_lookup_and_unanswerable_questions_are_each_counted_once():
    tally = AnswerTally()
    rows = []
    open_q = EvalQuestion("What is it about?", kind="overview", lang="en", points=[["pipeline"], ["Mongolia"], ["transit fee"]])
    lookup = EvalQuestion("How much gas?", answers=["500億立方公尺"])
    unanswerable = EvalQuestion("Who won in 1850?", unanswerable=True)
    cases = [
        (open_q, _answer("A pipeline through Mongolia [1]. Another [2].", [("a.txt#p1", "pipeline"), ("b.txt#p3", "Mongolia")])),
        (lookup, _answer("500億立方公尺 [1]", [("a.txt#p1", "每年最多可輸送500億立方公尺")])),
        (unanswerable, _answer("", [], abstained=True)),
    ]
    for q, answer in cases:
        record = {
            "kind": q.kind or "lookup",
            "lang": q.lang or "zh-Hant",
            "abstained": answer.abstained,
            "quoted_instead": "",
        }  # as run_eval writes
        tally.add(q, GOLD, answer, 2.0, record)
        rows.append(record)
    summary = tally.summary(rows)
    assert summary["key_point_coverage"] == round(2 / 3, 3) and rows[0]["points_missed"] == ["transit fee"]
    assert summary["key_point_coverage_by_kind"] == {"overview": round(2 / 3, 3)} and summary["key_point_coverage_by_lang"] == {
        "en": round(2 / 3, 3)
    }
    assert summary["sentence_citation_precision"] == 0.5  # one of the open answer's two quotes is from a gold paragraph
    assert summary["citations"] == 3 and summary["citation_precision"] == 2 / 3
    assert summary["span_precision"] == 1.0 and summary["contains"] == 1.0
    assert summary["abstention_accuracy"] == 1.0 and summary["false_abstention_rate"] == 0.0
    assert summary["first_token_ms_p50"] == 500.0 and summary["latency_ms_p50"] == 2000.0
