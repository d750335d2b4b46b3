"""The figures of an eval report (rag.eval.report_html, rag.eval.compare): the numbers each
plot shows, computed from the per-question records, and the plots drawn as inline SVG.

matplotlib is imported inside the drawing functions, so ``import rag`` stays light, and only
its object API is used (``Figure``, no pyplot): no backend is chosen for the whole process.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from rag.eval.scoring import reciprocal_rank

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Record = dict[str, Any]
RANK_DEPTH = 10  # as rag.eval.runner: rankings hold the top 10
UNLABELLED = "unlabelled"  # the group of records from reports older than kind and lang


# -- the numbers ----------------------------------------------------------------------------
def with_gold(records: Iterable[Record]) -> list[Record]:
    """The records retrieval is scored on: those whose question has gold paragraphs."""
    return [r for r in records if r.get("gold")]


def recall_curve(records: Iterable[Record], depth: int = RANK_DEPTH) -> list[float]:
    """recall@k for k = 1..depth: the share of questions with gold that have a gold paragraph
    in the top k of their ranking; empty when no question has gold."""
    scored = with_gold(records)
    if not scored:
        return []
    firsts = [_first_gold(r["ranking"], set(r["gold"])) for r in scored]
    return [sum(f is not None and f <= k for f in firsts) / len(scored) for k in range(1, depth + 1)]


def _first_gold(ranking: Sequence[str], gold: set[str]) -> int | None:
    return next((i for i, pid in enumerate(ranking, 1) if pid in gold), None)


def rr(record: Record) -> float | None:
    """The record's reciprocal rank at 10, or None when its question has no gold."""
    return reciprocal_rank(record.get("ranking", []), set(record["gold"]), RANK_DEPTH) if record.get("gold") else None


def answer_score(record: Record) -> float | None:
    """How right the answer is: 'contains' for a question with answers, key-point coverage for
    an open one, None when it was not scored (unanswerable, or no answers asked)."""
    for key in ("contains", "coverage"):
        if record.get(key) is not None:
            return float(record[key])
    return None


def answerable(record: Record) -> bool:
    # The tally scores only answerable questions, so a scored record is one.
    return answer_score(record) is not None


def citation_share(records: Iterable[Record]) -> float | None:
    """Share of the cited paragraphs that are gold, over ``records``; None with no citation."""
    hits = [pid in set(r.get("gold", [])) for r in records for pid in r.get("cited", [])]
    return sum(hits) / len(hits) if hits else None


def group_by(records: Iterable[Record], field: str) -> dict[str, list[Record]]:
    """Records grouped by ``field`` ('kind' or 'lang'), in name order; missing -> UNLABELLED."""
    groups: dict[str, list[Record]] = {}
    for r in records:
        groups.setdefault(str(r.get(field) or UNLABELLED), []).append(r)
    return dict(sorted(groups.items()))


def by_group(records: Iterable[Record], field: str, value: Callable[[list[Record]], float | None]) -> dict[str, tuple[float, int]]:
    """``value`` of each group of ``records`` by ``field``, with the group's size; groups
    whose value is None are left out."""
    out = {}
    for name, group in group_by(records, field).items():
        v = value(group)
        if v is not None:
            out[name] = (v, len(group))
    return out


def mean_of(score: Callable[[Record], float | None]) -> Callable[[list[Record]], float | None]:
    """The mean of ``score`` over a group, records it leaves None set aside."""

    def mean(group: list[Record]) -> float | None:
        values = [v for v in map(score, group) if v is not None]
        return sum(values) / len(values) if values else None

    return mean


def share_abstained(group: list[Record]) -> float | None:
    rows = [r for r in group if answerable(r)]
    return sum(bool(r.get("abstained")) for r in rows) / len(rows) if rows else None


def answer_panels(records: list[Record]) -> dict[str, dict[str, tuple[float, int]]]:
    """The answer figures by kind: contains, key-point coverage, refusals (abstained share of
    the answerable questions) and citation precision; panels without data are left out."""
    answerable_rows = [r for r in records if answerable(r)]
    panels = {
        "contains": by_group(records, "kind", mean_of(lambda r: r.get("contains"))),
        "key-point coverage": by_group(records, "kind", mean_of(lambda r: r.get("coverage"))),
        "refusals (abstained, answerable)": by_group(records, "kind", share_abstained),
        "citation precision": by_group(answerable_rows, "kind", citation_share),
    }
    return {name: bars for name, bars in panels.items() if bars}


# -- the drawing ----------------------------------------------------------------------------
def ascii_label(text: str) -> str:
    # The default font lacks CJK glyphs: labels are ASCII (kinds and langs are).
    return text.encode("ascii", "replace").decode("ascii")


def svg(fig: Figure) -> str:
    """The figure as an inline <svg> element: no XML prolog, no metadata, no fixed size (it
    scales to the page width; the viewBox keeps its shape)."""
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context({"svg.fonttype": "path"}):  # glyphs as paths: the SVG needs no font
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg") :], flags=re.S)
    end = text.index(">") + 1
    return re.sub(r'\s(?:width|height)="[^"]*"', "", text[:end]) + text[end:]


def _figure(panels: int, width: float = 5.0, height: float = 2.6) -> tuple[Figure, list[Any]]:
    """A figure of ``panels`` plots one under the other: one column reads on a phone too."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height * panels), layout="constrained")
    return fig, fig.subplots(panels, 1, squeeze=False).ravel().tolist()


def _bars(ax: Any, title: str, bars: dict[str, tuple[float, int]], top: float = 1.0) -> None:
    labels = [f"{ascii_label(name)}\nn={n}" for name, (_, n) in bars.items()]
    values = [v for v, _ in bars.values()]
    ax.bar(range(len(values)), values, color="#4c72b0")
    ax.set_xticks(range(len(values)), labels, fontsize=7 if len(values) > 5 else 8)
    ax.set_ylim(0, top)
    ax.set_title(ascii_label(title), fontsize=10)
    for x, v in enumerate(values):
        ax.annotate(f"{v:.2f}", (x, v), ha="center", va="bottom", fontsize=7)


def recall_plot(curve: Sequence[float]) -> str:
    fig, (ax,) = _figure(1, 5.0, 3.0)
    ks = list(range(1, len(curve) + 1))
    ax.plot(ks, curve, marker="o")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k")
    ax.set_ylabel("recall@k")
    ax.grid(alpha=0.3)
    for k, v in zip(ks, curve, strict=True):
        ax.annotate(f"{v:.2f}", (k, v), textcoords="offset points", xytext=(0, -12), ha="center", fontsize=7)
    return svg(fig)


def bar_panels(panels: dict[str, dict[str, tuple[float, int]]]) -> str:
    """One bar chart per panel (title -> {group: (value, n)}), values on a 0..1 scale."""
    fig, axes = _figure(len(panels))
    for ax, (title, bars) in zip(axes, panels.items(), strict=True):
        _bars(ax, title, bars)
    return svg(fig)


def latency_plot(series: dict[str, list[float]]) -> str:
    """A histogram per series of milliseconds (title -> values)."""
    fig, axes = _figure(len(series))
    for ax, (title, values) in zip(axes, series.items(), strict=True):
        ax.hist(values, bins=min(20, max(1, len(values))), color="#55a868")
        ax.set_title(ascii_label(f"{title} (n={len(values)})"), fontsize=10)
        ax.set_xlabel("ms")
        ax.set_ylabel("questions")
    return svg(fig)


def grouped_bars(figures: dict[str, tuple[float, float]], names: tuple[str, str]) -> str:
    """Two bars per figure (name -> (before, after)), for comparing two runs."""
    fig, (ax,) = _figure(1, max(5.0, 0.7 * len(figures) + 2), 3.4)
    xs = range(len(figures))
    for offset, side, colour in ((-0.2, 0, "#8c8c8c"), (0.2, 1, "#4c72b0")):
        ax.bar([x + offset for x in xs], [pair[side] for pair in figures.values()], 0.4, label=ascii_label(names[side]), color=colour)
    ax.set_xticks(list(xs), [ascii_label(n) for n in figures], rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize=8)
    return svg(fig)
