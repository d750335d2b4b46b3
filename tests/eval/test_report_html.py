"""The HTML eval report and the comparison of two reports: the plots are there and computed
from the records, the page fetches nothing and escapes what the questions and passages say,
the worst questions come worst first, and a comparison calls a fall a regression by direction."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.eval import compare, plots
from rag.eval.compare import compare_reports, render_comparison
from rag.eval.report_html import WORST, flatten, render_report, worst_questions
from rag.eval.scoring import EvalQuestion, reciprocal_rank, retrieval_metrics
from rag.eval.tally import AnswerTally, latency
from rag.types import Answer, Citation

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"
HOSTILE = "<script>alert(1)</script>"
PLOTS = ("recall", "mrr", "answers", "latency")


def ranking(gold_at: int | None, doc: str) -> list[str]:
    """Ten paragraph ids with the gold one (doc#p1) at rank ``gold_at``; None: not in the top 10."""
    others = [f"{doc}#p{i}" for i in range(2, 12)]
    if gold_at is not None:
        others.insert(gold_at - 1, f"{doc}#p1")
    return others[:10]


def record(n: int, gold_at: int | None, kind: str = "lookup", lang: str = "zh-Hant", question: str = "", **extra: Any) -> dict[str, Any]:
    doc = f"doc{n}.txt"
    return {
        "id": f"q{n}",
        "question": question or f"question {n}?",
        "kind": kind,
        "lang": lang,
        "gold": [f"{doc}#p1"],
        "ranking": ranking(gold_at, doc),
        "retrieve_ms": 3.0 + n,
        **extra,
    }


def retrieval_report(records: list[dict[str, Any]]) -> dict[str, Any]:
    """A report as run_eval writes it, its figures computed from the records by rag.eval."""
    scored = [r for r in records if r.get("gold")]
    rankings, golds = [r["ranking"] for r in scored], [set(r["gold"]) for r in scored]
    seconds = [r["retrieve_ms"] / 1000 for r in records if "retrieve_ms" in r]
    figures = {"evaluated": len(scored), **retrieval_metrics(rankings, golds), **latency(seconds)}
    return {"questions": len(records), "retrieval": figures, "per_question": records}


def answer_report(cases: list[tuple[dict[str, Any], EvalQuestion, Answer]]) -> dict[str, Any]:
    """Records answered and scored by the real tally, as run_eval does."""
    tally = AnswerTally()
    for rec, q, answer in cases:
        rec.update(
            answer=answer.text,
            abstained=answer.abstained,
            cited=[c.paragraph_id for c in answer.citations],
            cited_spans=[c.text for c in answer.citations],
            answer_ms=800.0 + len(answer.text),
            error="",
        )
        tally.add(q, set(rec["gold"]), answer, rec["answer_ms"] / 1000, rec)
    records = [rec for rec, _, _ in cases]
    return {**retrieval_report(records), "answers": tally.summary(records), "model": "extractive"}


def answer(text: str, cited: list[str], abstained: bool = False) -> Answer:
    citations = [
        Citation(key=i, paragraph_id=p, text=f"span of {p}", start=0, end=5, doc_id=p.split("#")[0]) for i, p in enumerate(cited, 1)
    ]
    return Answer(question="q", text=text, citations=citations, abstained=abstained)


def lookup(rec: dict[str, Any], said: str, abstained: bool = False) -> tuple[dict[str, Any], EvalQuestion, Answer]:
    q = EvalQuestion(rec["question"], qid=rec["id"], answers=["500億立方公尺"], kind=rec["kind"], lang=rec["lang"])
    return rec, q, answer(said, [] if abstained else rec["ranking"][:1], abstained)


def open_question(rec: dict[str, Any], said: str) -> tuple[dict[str, Any], EvalQuestion, Answer]:
    q = EvalQuestion(rec["question"], qid=rec["id"], kind=rec["kind"], lang=rec["lang"], points=[["pipeline"], ["Mongolia"]])
    return rec, q, answer(said, rec["ranking"][:2])


@pytest.fixture
def answers_report() -> dict[str, Any]:
    return answer_report(
        [
            lookup(record(1, 1), "每年500億立方公尺 [1]"),
            lookup(record(2, 2, lang="zh-Hans"), "不知道 [1]"),
            lookup(record(3, 1, question=HOSTILE), "", abstained=True),
            open_question(record(4, 4, kind="overview", lang="en"), "A pipeline [1]. Through Mongolia [2]."),
            open_question(record(5, None, kind="why", lang="en"), "A pipeline [1]."),
        ]
    )


def one_if_none(value: float | None) -> float:
    return 1.0 if value is None else value


def section(html: str, heading: str) -> str:
    return html.split(f"<h2>{heading}", 1)[1].split("<h2>", 1)[0]


def test_recall_curve_counts_each_question_from_its_first_gold():
    firsts = [1, 3, None, 7, 2]
    records = [record(n, at) for n, at in enumerate(firsts)] + [{**record(9, 1), "gold": []}]  # no gold: not scored
    curve = plots.recall_curve(records)
    assert curve == [sum(f is not None and f <= k for f in firsts) / len(firsts) for k in range(1, 11)]
    metrics = retrieval_metrics([r["ranking"] for r in records[:5]], [set(r["gold"]) for r in records[:5]])
    assert (curve[0], curve[4], curve[9]) == (metrics["recall@1"], metrics["recall@5"], metrics["recall@10"])
    assert plots.recall_curve([{**record(1, 1), "gold": []}]) == []
    # matplotlib's SVG notes each text it draws in a comment: the points' labels are the curve
    assert re.findall(r"<!-- (\d\.\d\d) -->", plots.recall_plot(curve)) == [f"{v:.2f}" for v in curve]


def test_mrr_by_kind_and_language_is_the_mean_reciprocal_rank_of_each_group():
    records = [record(1, 1, "lookup", "en"), record(2, 2, "lookup", "zh-Hant"), record(3, 4, "why", "en"), record(4, None, "why", "en")]
    rr = {r["id"]: reciprocal_rank(r["ranking"], set(r["gold"])) for r in records}
    by_kind = plots.by_group(records, "kind", plots.mean_of(plots.rr))
    assert by_kind == {"lookup": ((rr["q1"] + rr["q2"]) / 2, 2), "why": ((rr["q3"] + rr["q4"]) / 2, 2)}
    assert plots.by_group(records, "lang", plots.mean_of(plots.rr))["en"] == ((rr["q1"] + rr["q3"] + rr["q4"]) / 3, 3)


def test_every_plot_is_an_inline_svg_and_the_headline_has_every_figure(answers_report):
    html = render_report(answers_report, "answers")
    for name in PLOTS:
        figure = re.search(rf'<figure id="plot-{name}">(.*?)</figure>', html, re.S)
        assert figure and "<svg" in figure.group(1) and "</svg>" in figure.group(1), name
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    headline = section(html, "Headline")
    for part in ("retrieval", "answers"):
        for name in flatten(answers_report[part]):
            assert f"<th>{name}</th>" in headline, name


def test_the_pages_fetch_nothing_and_fit_a_phone(answers_report):
    worse = json.loads(json.dumps(answers_report))
    worse["per_question"][0]["ranking"].reverse()
    for html in (render_report(answers_report, "r"), render_comparison(answers_report, worse, ("a", "b"))):
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
        assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
        assert 'name="viewport"' in html and "overflow-x:auto" in html


def test_a_hostile_question_answer_and_passage_appear_only_escaped(answers_report):
    rec = answers_report["per_question"][2]
    assert rec["question"] == HOSTILE
    rec["answer"] = '<img src=x onerror="alert(2)">'
    paragraphs = {pid: "<iframe srcdoc=x></iframe> a passage" for pid in rec["ranking"]}
    html = render_report(answers_report, "<b>title</b>", paragraphs)
    worst = section(html, "The worst questions")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in worst and "&lt;img src=x" in worst and "&lt;iframe" in worst
    assert "<script" not in html and "<img" not in html and "<iframe" not in html and "<b>title" not in html


def test_worst_questions_come_lowest_reciprocal_rank_first_and_a_perfect_one_is_left_out():
    records = [record(1, 1, question="perfect?"), record(2, 2), record(3, None), record(4, 3), {**record(5, None), "gold": []}]
    html = render_report(retrieval_report(records), "retrieval only")
    worst = section(html, "The worst questions")
    expected = sorted(
        (r for r in records if r["gold"] and r["ranking"][0] not in r["gold"]), key=lambda r: reciprocal_rank(r["ranking"], set(r["gold"]))
    )
    assert [r["id"] for r in expected] == ["q3", "q4", "q2"]  # the ordering under test is not the input order
    positions = [worst.index(f">{r['question']}</span>") for r in expected]
    assert positions == sorted(positions)
    assert "perfect?" not in worst and "question 5?" not in worst


def test_an_answer_report_lists_wrong_answers_first_then_by_reciprocal_rank(answers_report):
    records = answers_report["per_question"]
    worst = worst_questions(records, answered=True)
    expected = sorted(
        (r for r in records if min(one_if_none(plots.answer_score(r)), one_if_none(plots.rr(r))) < 1),
        key=lambda r: (plots.answer_score(r), plots.rr(r)),
    )
    assert [r["id"] for r in worst] == [r["id"] for r in expected]
    assert "q1" not in [r["id"] for r in worst]  # answered right, gold first
    assert len(worst_questions([record(n, None) for n in range(40)], answered=False)) == WORST


def test_retrieved_paragraphs_show_their_first_300_characters_when_given(answers_report):
    rec = answers_report["per_question"][1]
    paragraphs = {pid: f"{pid} " + "長" * 400 + "END" for pid in rec["ranking"]}
    worst = section(render_report(answers_report, "r", paragraphs), "The worst questions")
    first = rec["ranking"][0]
    assert paragraphs[first][:300] in worst and "END" not in worst
    assert "長長長" not in section(render_report(answers_report, "r"), "The worst questions")


def test_old_reports_without_kind_language_timings_or_answers_render():
    bare = [{k: v for k, v in record(n, at).items() if k not in ("kind", "lang", "retrieve_ms")} for n, at in enumerate([1, 2, None])]
    html = render_report(retrieval_report(bare), "old")
    assert 'id="plot-recall"' in html and 'id="plot-mrr"' in html and plots.UNLABELLED in html
    assert 'id="plot-latency"' not in html and 'id="plot-answers"' not in html
    assert "<h2>The worst questions" in render_report({"questions": 0, "retrieval": {}, "per_question": []}, "empty")
    assert "old" in render_comparison(retrieval_report(bare), retrieval_report(bare[:1]), ("old", "new"))


@pytest.mark.parametrize(
    ("name", "before", "after", "regression"),
    [
        ("recall@1", 0.80, 0.70, True),  # a recall drop
        ("recall@5", 0.80, 0.90, False),  # a rise
        ("mrr@10", 0.800, 0.800 - compare.SHARE_TOLERANCE / 2, False),  # within tolerance
        ("latency_ms_p50", 100.0, 100.0 * (1 + 2 * compare.LATENCY_TOLERANCE), True),  # slower
        ("latency_ms_p95", 200.0, 150.0, False),  # faster
        ("latency_ms_p95", 100.0, 100.0 * (1 + compare.LATENCY_TOLERANCE / 2), False),  # within tolerance
        ("false_abstention_rate", 0.10, 0.20, True),  # lower is better
        ("false_abstention_rate", 0.20, 0.10, False),
        ("model_errors", 0, 1, True),
        ("citations", 100, 50, False),  # a size, not a quality
    ],
)
def test_a_regression_is_a_change_the_bad_way_beyond_tolerance(name, before, after, regression):
    section_name = "retrieval" if name in ("recall@1", "recall@5", "mrr@10") else "answers"
    result = compare_reports({section_name: {name: before}}, {section_name: {name: after}})
    (figure,) = result["figures"]
    assert figure["regression"] is regression and figure["change"] == pytest.approx(after - before)
    assert (f"{section_name}.{name}" in result["regressions"]) is regression


def test_only_figures_numeric_in_both_reports_are_compared():
    before = {"retrieval": {"recall@1": 0.5, "mrr@10": 0.5}, "answers": {"contains": None, "by_kind": {"why": 0.4}}}
    after = {"retrieval": {"recall@1": 0.6}, "answers": {"contains": 0.9, "by_kind": {"why": 0.2}}}
    names = [(f["section"], f["name"]) for f in compare_reports(before, after)["figures"]]
    assert names == [("retrieval", "recall@1"), ("answers", "by_kind.why")]


def test_questions_are_matched_by_text_and_sorted_into_worse_and_better(answers_report):
    after = json.loads(json.dumps(answers_report))
    recs = {r["id"]: r for r in after["per_question"]}
    recs["q1"]["ranking"] = ranking(5, "doc1.txt")  # RR 1 -> 1/5
    recs["q2"]["ranking"] = ranking(1, "doc2.txt")  # RR 1/2 -> 1
    recs["q4"]["coverage"] = 0.0  # coverage falls, RR unchanged
    after["per_question"].reverse()  # matched by text, not position
    questions = compare_reports(answers_report, after)["questions"]
    assert [c["id"] for c in questions["worse"]] == ["q4", "q1"]  # largest fall first: 1 -> 0, then 1 -> 0.2
    assert [c["id"] for c in questions["better"]] == ["q2"] and questions["matched"] == 5


def test_the_comparison_page_marks_regressions_and_shows_both_answers(answers_report):
    after = json.loads(json.dumps(answers_report))
    rec = after["per_question"][0]
    rec.update(ranking=ranking(None, "doc1.txt"), answer="a worse answer", contains=0.0)
    after["retrieval"].update(retrieval_report(after["per_question"])["retrieval"])
    after["retrieval"]["latency_ms_p50"] = answers_report["retrieval"]["latency_ms_p50"] / 2
    html = render_comparison(answers_report, after, ("before", "after"))
    rows = {m.group(2): m.group(1) for m in re.finditer(r"<tr(?: class=\"(\w+)\")?><th>([^<]+)</th>", html)}
    assert rows["retrieval.recall@1"] == "regression" and rows["retrieval.latency_ms_p50"] == "better"
    assert rows["retrieval.evaluated"] is None
    assert '<span class="tag regression">regression</span>' in html and 'id="plot-main"' in html
    losses = section(html, "Questions that got worse")
    assert "每年500億立方公尺 [1]" in losses and "a worse answer" in losses


@pytest.mark.parametrize("name", ["open-heldout-extractive-final.json", "words-only-extractive-2040.json"])
def test_a_real_report_renders(name):
    report = json.loads((RESULTS / name).read_text(encoding="utf-8"))
    html = render_report(report, name)
    listed = sum(min(one_if_none(plots.answer_score(r)), one_if_none(plots.rr(r))) < 1 for r in report["per_question"])
    assert html.count("<article>") == min(WORST, listed) > 0
    assert all(f'id="plot-{p}"' in html for p in PLOTS)


def test_two_real_reports_compare():
    before, after = (json.loads((RESULTS / f"words-only-extractive-2040{s}.json").read_text(encoding="utf-8")) for s in ("-before", ""))
    result = compare_reports(before, after)
    fell = after["answers"]["contains"] - before["answers"]["contains"] < -compare.SHARE_TOLERANCE
    assert ("answers.contains" in result["regressions"]) is fell
    assert "<svg" in render_comparison(before, after, ("before", "after"))


def test_importing_the_report_modules_leaves_matplotlib_unloaded():
    code = "import sys, rag.eval.report_html, rag.eval.compare; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
