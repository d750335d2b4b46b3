"""An eval report (rag.eval.runner ``run_eval``) as one self-contained HTML page: the headline
figures, plots inlined as SVG, and the worst questions with what was retrieved and answered.

The page fetches nothing (no script, no external URL, CSS inline) and reads on a phone. Every
text from the report (questions, answers, passages) goes through Jinja's autoescape.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from rag.eval import plots
from rag.eval.plots import Record

WORST = 15  # questions listed under "The worst questions"
TOP = 3  # retrieved paragraphs shown per question
SNIPPET = 300  # characters of a paragraph shown
LATENCY_PREFIXES = ("latency_", "first_token_")  # figures in milliseconds
LATENCIES = (("retrieval", "retrieve_ms"), ("answer", "answer_ms"))  # per-question timings plotted

BASE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI","Noto Sans CJK TC","PingFang TC","Microsoft JhengHei",sans-serif;
 margin:0;color:#222;background:#fafafa}
main{max-width:60rem;margin:auto;padding:0.8rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1rem;margin:0}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:0.9rem}td,th{padding:0.2rem 0.6rem;border-bottom:1px solid #e4e4e4;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:1rem 0}figure svg{width:100%;max-width:40rem;height:auto;display:block}figcaption{font-size:0.85rem;color:#555}
article{background:#fff;border:1px solid #ddd;border-radius:6px;padding:0.7rem;margin:0.8rem 0;overflow-wrap:anywhere}
.meta{font-size:0.85rem;color:#555;margin:0.3rem 0}code{font-size:0.85rem}
blockquote{margin:0.3rem 0 0.3rem 0.5rem;padding-left:0.6rem;border-left:3px solid #ccc;color:#444;font-size:0.9rem}
li.gold{background:#eef7ee}.tag{font-size:0.75rem;font-weight:bold;padding:0 0.3rem;border-radius:3px;background:#ddd}
tr.regression,article.loss{background:#fdf0f0}.tag.regression{background:#c62828;color:#fff}.tag.better{background:#2e7d32;color:#fff}
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:0.8rem}
</style></head>
<body><main>{% block content %}{% endblock %}</main></body></html>
"""

MACROS = """
{% macro head(q) -%}
<h3>{% if q.position %}{{ q.position }}. {% endif %}<span lang="{{ q.lang }}">{{ q.question }}</span></h3>
<p class="meta">id {{ q.id }} · kind {{ q.kind }} · lang {{ q.lang or "?" }}
{%- for name, value in q.scores %} · {{ name }} {{ value }}{% endfor %}</p>
<p class="meta">gold: {% for g in q.gold %}<code>{{ g }}</code> {% else %}none{% endfor %}</p>
{%- endmacro %}
{% macro body(q) -%}
<p class="meta">retrieved, top {{ q.top | length }}:</p><ol class="retrieved">{% for p in q.top %}
<li{% if p.gold %} class="gold"{% endif %}><code>{{ p.id }}</code>{% if p.gold %} <span class="tag">gold</span>{% endif %}
{% if p.text %}<blockquote>{{ p.text }}</blockquote>{% endif %}</li>{% else %}<li>nothing retrieved</li>{% endfor %}</ol>
{% if q.answered %}<div class="answer"><b>Answer</b>{% if q.abstained %} <span class="tag">abstained</span>{% endif %}
{% if q.answer %}<blockquote>{{ q.answer }}</blockquote>{% endif %}
{% if q.citations %}<p class="meta">cited:</p><ul>{% for c in q.citations %}
<li><code>{{ c.id }}</code>{% if c.gold %} <span class="tag">gold</span>{% endif %}{% if c.span %}: {{ c.span }}{% endif %}</li>
{% endfor %}</ul>{% endif %}
{% if q.missed %}<p class="meta">key points missed: {{ q.missed | join(", ") }}</p>{% endif %}
{% if q.error %}<p class="meta">error: {{ q.error }}</p>{% endif %}</div>{% endif %}
{%- endmacro %}
{% macro figures(plots) -%}
{% for id, caption, svg in plots %}<figure id="plot-{{ id }}">{{ svg }}<figcaption>{{ caption }}</figcaption></figure>
{% endfor %}
{%- endmacro %}
"""

REPORT = """{% extends "base.html" %}{% from "macros.html" import head, body, figures %}
{% block content %}
<h1>{{ title }}</h1>
<p class="meta">{% for name, value in run %}{{ name }}: {{ value }}{% if not loop.last %} · {% endif %}{% endfor %}</p>
<h2>Headline</h2>
{% for section, rows in sections %}<div class="scroll"><table><caption>{{ section }}</caption>
{% for name, value in rows %}<tr><th>{{ name }}</th><td class="num">{{ value }}</td></tr>{% endfor %}
</table></div>{% endfor %}
<h2>Plots</h2>
{{ figures(plots) }}
<h2>The worst questions</h2>
<p class="meta">{{ worst_rule }}</p>
{% for q in worst %}<article>{{ head(q) }}{{ body(q) }}</article>
{% else %}<p>None: every scored question is right.</p>{% endfor %}
{% endblock %}
"""


def render_page(template: str, title: str, **context: Any) -> str:
    """``template`` (extending "base.html", with the macros of "macros.html") rendered with
    autoescape on: report text is escaped unless marked ``Markup`` (the plots' SVG)."""
    from jinja2 import DictLoader, Environment, StrictUndefined

    env = Environment(
        loader=DictLoader({"base.html": BASE, "macros.html": MACROS, "page.html": template}),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
    )
    return env.get_template("page.html").render(title=title, **context)


def render_report(report: dict[str, Any], title: str, paragraphs: Mapping[str, str] | None = None) -> str:
    """The report as one self-contained HTML page; with ``paragraphs`` (id -> text) the worst
    questions show the start of the paragraphs retrieved for them."""
    records: list[Record] = list(report.get("per_question") or [])
    answered = has_answers(report)
    worst = worst_questions(records, answered)
    return render_page(
        REPORT,
        title,
        run=run_facts(report),
        sections=headline(report),
        plots=report_plots(records),
        worst=[question_view(r, paragraphs, i) for i, r in enumerate(worst, 1)],
        worst_rule=f"Up to {WORST} questions, "
        + ("lowest contains / key-point coverage first, then lowest reciprocal rank." if answered else "lowest reciprocal rank first."),
    )


# -- the figures --------------------------------------------------------------------------
def has_answers(report: Mapping[str, Any]) -> bool:
    return bool(report.get("answers")) or any("answer" in r for r in report.get("per_question") or [])


def flatten(section: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A report section with nested figures (by kind, by language) as 'name.group' keys."""
    out: dict[str, Any] = {}
    for key, value in section.items():
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def is_latency(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith(LATENCY_PREFIXES)


def fmt(name: str, value: Any) -> str:
    """A figure as shown: shares to 3 decimals, milliseconds to 1, counts whole."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if is_latency(name) else f"{value:.3f}"
    return str(value)


def headline(report: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every figure of the retrieval and answers sections (and the answer settings), formatted."""
    sections = []
    for name in ("retrieval", "answers", "answer_settings"):
        if isinstance(report.get(name), Mapping):
            sections.append((name, [(key, fmt(key, value)) for key, value in flatten(report[name]).items()]))
    return sections


def run_facts(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    facts = [("questions", str(report.get("questions", len(report.get("per_question") or []))))]
    if report.get("model"):
        facts.append(("model", str(report["model"])))
    return facts


def report_plots(records: list[Record]) -> list[tuple[str, str, Markup]]:
    """The plots with data, each as (id, caption, inline SVG)."""
    out = []
    gold = plots.with_gold(records)
    if curve := plots.recall_curve(records):
        caption = f"Recall@k for k = 1..{len(curve)}, over the {len(gold)} questions with gold paragraphs."
        out.append(("recall", caption, plots.recall_plot(curve)))
    if gold:
        mrr = {f"MRR@10 by {field}": plots.by_group(gold, field, plots.mean_of(plots.rr)) for field in ("kind", "lang")}
        out.append(("mrr", "MRR@10 by question kind and by language (n = questions with gold).", plots.bar_panels(mrr)))
    if panels := plots.answer_panels(records):
        caption = "Answers by question kind: " + ", ".join(panels) + " (n = questions in the group)."
        out.append(("answers", caption, plots.bar_panels(panels)))
    series = {name: [float(r[key]) for r in records if isinstance(r.get(key), int | float)] for name, key in LATENCIES}
    if series := {name: values for name, values in series.items() if values}:
        out.append(("latency", "Latency per question, milliseconds: " + ", ".join(series) + ".", plots.latency_plot(series)))
    return [(id_, caption, Markup(svg)) for id_, caption, svg in out]


# -- the questions ------------------------------------------------------------------------
def badness(record: Record, answered: bool) -> tuple[float, ...]:
    """How a question sorts among the worst: (answer score, RR) for an answer report, (RR,)
    for retrieval only; a score it does not have counts as right (1.0)."""
    rr = plots.rr(record)
    retrieval = 1.0 if rr is None else rr
    if not answered:
        return (retrieval,)
    score = plots.answer_score(record)
    return (1.0 if score is None else score, retrieval)


def worst_questions(records: list[Record], answered: bool, limit: int = WORST) -> list[Record]:
    """Up to ``limit`` questions with the lowest scores, worst first; right ones left out."""
    ranked = sorted(records, key=lambda r: badness(r, answered))
    return [r for r in ranked if min(badness(r, answered)) < 1.0][:limit]


def snippet(text: str, limit: int = SNIPPET) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def question_view(record: Record, paragraphs: Mapping[str, str] | None = None, position: int = 0) -> dict[str, Any]:
    """What the page shows of one question record (fields missing from old reports left blank)."""
    gold = [str(g) for g in record.get("gold") or []]
    rr = plots.rr(record)
    scores = [("RR", fmt("rr", rr))] if rr is not None else []
    scores += [(key, fmt(key, record[key])) for key in ("contains", "coverage", "char_f1") if record.get(key) is not None]
    spans = list(record.get("cited_spans") or [])
    cited = [str(c) for c in record.get("cited") or []]
    return {
        "position": position,
        "id": str(record.get("id", "")),
        "question": str(record.get("question", "")),
        "kind": str(record.get("kind") or "?"),
        "lang": str(record.get("lang") or ""),
        "gold": gold,
        "scores": scores,
        "top": [
            {"id": pid, "gold": pid in gold, "text": snippet(paragraphs[pid]) if paragraphs and pid in paragraphs else ""}
            for pid in map(str, (record.get("ranking") or [])[:TOP])
        ],
        "answered": "answer" in record,
        "answer": str(record.get("answer") or ""),
        "abstained": bool(record.get("abstained")),
        "citations": [{"id": c, "gold": c in gold, "span": snippet(spans[i]) if i < len(spans) else ""} for i, c in enumerate(cited)],
        "missed": [str(p) for p in record.get("points_missed") or []],
        "error": str(record.get("error") or ""),
    }
