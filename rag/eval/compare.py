"""Two eval reports (rag.eval.runner) compared: each figure before and after and whether it
regressed, the questions that got worse or better, and the comparison as one HTML page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from rag.eval import plots
from rag.eval.plots import Record
from rag.eval.report_html import flatten, fmt, is_latency, question_view, render_page

# Lower is better for these: each counts a failure (a refusal of an answerable question, an
# error, a repeated sentence, a number the cited text does not hold). Latencies are too.
LOWER_SHARES = {"false_abstention_rate", "open_refusals"}
LOWER_COUNTS = {"model_errors", "unflagged_unsupported_numbers", "answers_repeating_a_sentence"}
# Sizes of the run, neither good nor bad in themselves (how many were evaluated, cited, withheld,
# retried, quoted): shown, never called a regression.
NEUTRAL = {
    "evaluated",
    "citations",
    "answers_citing",
    "unanswerable",
    "open_questions",
    "withheld_answers",
    "refusals_retried",
    "retries_answered",
    "retries_answered_right",
    "answers_quoted_instead",
    "quoted_instead_right",
}
SHARE_TOLERANCE = 0.01  # absolute: a share (recall, contains, precision...) moving less is noise
LATENCY_TOLERANCE = 0.10  # relative: timings on a shared machine vary about this much between runs
LATENCY_FLOOR_MS = 1.0  # and by a millisecond whatever the base (retrieval takes 1-50 ms)
COUNT_TOLERANCE = 0  # a failure counted (a model error...): one more is a regression
QUESTION_EPSILON = 1e-9  # a question's own RR or contains changes in steps: any change counts
MAIN = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "contains", "key_point_coverage", "citation_precision")
SECTIONS = ("retrieval", "answers")
LISTED = 100  # questions shown in each of the page's lists; a set of thousands would make a page of megabytes


def direction(name: str) -> int:
    """+1 when higher is better, -1 when lower is, 0 for a size that is neither."""
    base = name.split(".", 1)[0]
    if base in NEUTRAL:
        return 0
    return -1 if is_latency(base) or base in LOWER_SHARES | LOWER_COUNTS else 1


def tolerance(name: str, before: float) -> float:
    """How far a figure may move the bad way before it is a regression."""
    base = name.split(".", 1)[0]
    if is_latency(base):
        return max(LATENCY_TOLERANCE * abs(before), LATENCY_FLOOR_MS)
    return COUNT_TOLERANCE if base in LOWER_COUNTS else SHARE_TOLERANCE


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compare_figure(section: str, name: str, before: float, after: float) -> dict[str, Any]:
    """One figure of both runs: its change and whether that is a regression or improvement."""
    change = after - before
    sign = direction(name)
    margin = tolerance(name, before)
    return {
        "section": section,
        "name": name,
        "before": before,
        "after": after,
        "change": change,
        "better_when": {1: "higher", -1: "lower", 0: "neither"}[sign],
        "regression": sign != 0 and sign * change < -margin,
        "improvement": sign != 0 and sign * change > margin,
    }


def compare_reports(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Every numeric figure of the retrieval and answers sections present in both reports,
    with its change and whether it regressed or improved beyond its tolerance, and the
    questions (matched by text) whose reciprocal rank or answer score fell or rose."""
    figures = []
    for section in SECTIONS:
        old, new = flatten(before.get(section) or {}), flatten(after.get(section) or {})
        for name, value in old.items():
            if _number(value) and _number(new.get(name)):
                figures.append(compare_figure(section, name, value, new[name]))
    return {
        "figures": figures,
        "regressions": [f"{f['section']}.{f['name']}" for f in figures if f["regression"]],
        "improvements": [f"{f['section']}.{f['name']}" for f in figures if f["improvement"]],
        "questions": compare_questions(before.get("per_question") or [], after.get("per_question") or []),
    }


def _scores(record: Record) -> dict[str, float | None]:
    return {"rr": plots.rr(record), "answer": plots.answer_score(record)}


def matched(before: list[Record], after: list[Record]) -> tuple[list[tuple[Record, Record]], int, int]:
    """The (before, after) records of the questions in both runs, matched by question text
    (and occurrence, should a set ask a question twice), and how many are in one run only."""

    def by_text(records: list[Record]) -> dict[tuple[str, int], Record]:
        seen: Counter[str] = Counter()
        out = {}
        for r in records:
            text = str(r.get("question", ""))
            out[(text, seen[text])] = r
            seen[text] += 1
        return out

    old, new = by_text(before), by_text(after)
    return [(old[k], new[k]) for k in new if k in old], len(old.keys() - new.keys()), len(new.keys() - old.keys())


def question_change(old: Record, new: Record) -> dict[str, Any]:
    before, after = _scores(old), _scores(new)
    deltas = [a - b for k in before if (b := before[k]) is not None and (a := after[k]) is not None]
    return {
        "question": new.get("question", ""),
        "id": new.get("id", old.get("id", "")),
        "before": before,
        "after": after,
        "worst_change": min(deltas, default=0.0),
        "best_change": max(deltas, default=0.0),
    }


Changed = tuple[dict[str, Any], Record, Record]


def worse_and_better(pairs: list[tuple[Record, Record]]) -> tuple[list[Changed], list[Changed]]:
    """The pairs whose RR or answer score (contains / coverage) fell, largest fall first, and
    those whose scores only rose, largest rise first; each with its change."""
    changes = [(question_change(old, new), old, new) for old, new in pairs]
    worse = [c for c in changes if c[0]["worst_change"] < -QUESTION_EPSILON]
    better = [c for c in changes if c[0]["worst_change"] >= -QUESTION_EPSILON and c[0]["best_change"] > QUESTION_EPSILON]
    return sorted(worse, key=lambda c: c[0]["worst_change"]), sorted(better, key=lambda c: -c[0]["best_change"])


def compare_questions(before: list[Record], after: list[Record]) -> dict[str, Any]:
    """The questions in both runs that got worse and better (``worse_and_better``)."""
    pairs, only_before, only_after = matched(before, after)
    worse, better = worse_and_better(pairs)
    return {
        "matched": len(pairs),
        "only_before": only_before,
        "only_after": only_after,
        "worse": [c for c, _, _ in worse],
        "better": [c for c, _, _ in better],
    }


# -- the page -----------------------------------------------------------------------------
COMPARISON = """{% extends "base.html" %}{% from "macros.html" import head, body, figures %}
{% block content %}
<h1>{{ title }}</h1>
<p class="meta">{{ matched }} questions in both runs
({{ only_before }} only in {{ names[0] }}, {{ only_after }} only in {{ names[1] }}).</p>
<p>{% if regressions %}<span class="tag regression">regression</span> {{ regressions | length }}: {{ regressions | join(", ") }}
{% else %}No regression beyond tolerance.{% endif %}</p>
<h2>The figures</h2>
<div class="scroll"><table>
<tr><th>figure</th><th>{{ names[0] }}</th><th>{{ names[1] }}</th><th>change</th><th>better when</th><th></th></tr>
{% for r in rows %}<tr{% if r.word %} class="{{ r.word }}"{% endif %}><th>{{ r.name }}</th><td class="num">{{ r.before }}</td>
<td class="num">{{ r.after }}</td><td class="num">{{ r.change }}</td><td>{{ r.better_when }}</td>
<td>{% if r.word %}<span class="tag {{ r.word }}">{{ r.word }}</span>{% endif %}</td></tr>
{% endfor %}</table></div>
{{ figures(plots) }}
<h2>Questions that got worse ({{ worse_count }}{% if worse_count > losses | length %},
the first {{ losses | length }} shown{% endif %})</h2>
{% for q in losses %}<article class="loss">{{ head(q.head) }}
<div class="pair"><div><b>{{ names[0] }}</b>{{ body(q.before) }}</div><div><b>{{ names[1] }}</b>{{ body(q.after) }}</div></div></article>
{% else %}<p>None.</p>{% endfor %}
<h2>Questions that got better ({{ better_count }}{% if better_count > gains | length %},
the first {{ gains | length }} shown{% endif %})</h2>
{% if gains %}<div class="scroll"><table><tr><th>question</th><th>RR</th><th>answer score</th></tr>
{% for g in gains %}<tr><td>{{ g.question }}</td><td class="num">{{ g.rr }}</td><td class="num">{{ g.answer }}</td></tr>{% endfor %}
</table></div>{% else %}<p>None.</p>{% endif %}
{% endblock %}
"""


def _arrow(before: float | None, after: float | None) -> str:
    return f"{fmt('', before)} → {fmt('', after)}"


def figure_row(f: dict[str, Any]) -> dict[str, str]:
    name = f"{f['section']}.{f['name']}"
    word = "regression" if f["regression"] else "better" if f["improvement"] else ""
    return {
        "name": name,
        "before": fmt(f["name"], f["before"]),
        "after": fmt(f["name"], f["after"]),
        "change": ("+" if f["change"] > 0 else "") + fmt(f["name"], f["change"]),
        "better_when": f["better_when"],
        "word": word,
    }


def gain_row(change: dict[str, Any]) -> dict[str, str]:
    before, after = change["before"], change["after"]
    return {
        "question": str(change["question"]),
        "rr": _arrow(before["rr"], after["rr"]),
        "answer": _arrow(before["answer"], after["answer"]),
    }


def loss_view(change: dict[str, Any], old: Record, new: Record, paragraphs: Mapping[str, str] | None) -> dict[str, Any]:
    head = question_view(new, paragraphs)
    head["scores"] = [(label, _arrow(change["before"][k], change["after"][k])) for k, label in (("rr", "RR"), ("answer", "answer score"))]
    return {"head": head, "before": question_view(old, paragraphs), "after": question_view(new, paragraphs)}


def render_comparison(
    before: dict[str, Any], after: dict[str, Any], names: tuple[str, str], paragraphs: Mapping[str, str] | None = None
) -> str:
    """The two runs side by side as one self-contained HTML page: every figure with
    regressions marked (a class and the word), a grouped bar plot of the main figures, and
    the questions that got worse with both runs' retrieval and answers."""
    result = compare_reports(before, after)
    questions = result["questions"]
    worse, better = worse_and_better(matched(before.get("per_question") or [], after.get("per_question") or [])[0])
    main = {f["name"]: (f["before"], f["after"]) for f in result["figures"] if f["name"] in MAIN}
    caption = f"The main figures: {names[0]} (grey) and {names[1]} (blue)."
    plot = [("main", caption, Markup(plots.grouped_bars(main, names)))] if main else []
    return render_page(
        COMPARISON,
        f"{names[0]} vs {names[1]}",
        names=names,
        matched=questions["matched"],
        only_before=questions["only_before"],
        only_after=questions["only_after"],
        regressions=result["regressions"],
        rows=[figure_row(f) for f in result["figures"]],
        plots=plot,
        losses=[loss_view(change, old, new, paragraphs) for change, old, new in worse[:LISTED]],
        gains=[gain_row(change) for change, _, _ in better[:LISTED]],
        worse_count=len(worse),
        better_count=len(better),
    )
