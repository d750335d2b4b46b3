"""The page's Evaluate tab: make a question set from the library's documents (or load one),
keep, drop or reword its questions, run the evaluation with a progress bar, and read the
report with its plots: the same code as `rag eval generate`, `rag eval` and `--html`.

Sets and reports are kept in the index folder's ``evaluations/``; the report page is
offered for download and shown in a frame of its own (its styles stay out of the page's)."""

from __future__ import annotations

import base64
import html
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.errors import RagError

if TYPE_CHECKING:
    from rag.pipeline import RAG

KINDS = ("lookup", "why", "list", "overview", "summary")  # rag.eval.generate.KINDS (a test checks)
LANGS = ("zh-Hant", "zh-Hans", "en")
COLUMNS = ["keep · 保留", "kind", "lang", "question · 題目", "expected · 應答", "source · 出處", "id"]
ID_COLUMN = 6  # rows are matched to their records by it, whatever the reviewer sorted or removed
Progress = Callable[[int, int], None] | None  # told (done, total) as the work goes
MAX_ROWS = 2000  # a set larger than this is run from the command line (rag eval)


def evaluations_dir(rag: RAG) -> Path:
    folder = Path(rag.settings.index.index_dir) / "evaluations"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def table_rows(records: list[dict[str, Any]]) -> list[list[Any]]:
    """One row a record: what a reviewer needs to judge a question."""
    rows = []
    for r in records:
        expected = " / ".join(r.get("answers") or [" | ".join(p) for p in r.get("points") or []])
        gold = ", ".join(r.get("gold_paragraphs") or [])
        rows.append([True, r.get("kind", ""), r.get("lang", ""), r["question"], expected, gold, str(r["id"])])
    return rows


def kept_records(rows: list[list[Any]], records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records whose row is ticked, each with the question as the table now says it; a
    row is its record's by the id column (a row whose id names no record is left out)."""
    by_id = {str(r["id"]): r for r in records}
    kept = []
    for row in rows:
        record = by_id.get(str(row[ID_COLUMN])) if len(row) > ID_COLUMN else None
        question = str(row[3]).strip()
        if record is not None and row[0] in (True, "true", "True", 1) and question:
            kept.append(record | {"question": question})
    return kept


def read_set(path: str | Path) -> list[dict[str, Any]]:
    """A JSON Lines question set as records (rag.eval.scoring checks each one)."""
    from rag.eval.scoring import load_questions

    path = Path(path)
    load_questions(path)  # a RagError naming the bad line, if any
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    seen: set[str] = set()
    for n, r in enumerate(records, 1):  # every row needs an id of its own to be matched back to its record
        if str(r.get("id", "")) in seen or "id" not in r:
            r["id"] = f"line-{n}"
        seen.add(str(r["id"]))
    if len(records) > MAX_ROWS:
        raise RagError(f"The set has {len(records)} questions; the page reviews up to {MAX_ROWS}.", fix="Run larger sets with `rag eval`.")
    return records


def make_set(rag: RAG, n: int, kinds: list[str], langs: list[str], on_progress: Progress = None) -> tuple[list[dict[str, Any]], str]:
    """A new generated set, and a line on what was made."""
    from rag.eval.generate import generate_set

    if not kinds or not langs:
        raise RagError("Choose at least one kind and one language.", fix="Tick them above the button.")
    stored = rag.ensure_index().stored
    path = evaluations_dir(rag) / f"generated-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    made = generate_set(
        stored.paragraphs.values(), stored.maps, path, int(n), kinds, langs, seed=int(time.time()), progress=False, on_progress=on_progress
    )
    note = f"Made {made.written} questions from {made.candidates} candidates · 產生 {made.written} 題"
    if made.written < n:
        note += f" (the documents gave no more that pass the checks; {sum(made.dropped.values())} dropped)"
    return read_set(path), note + "."


def run_set(rag: RAG, records: list[dict[str, Any]], answers: bool, on_progress: Progress = None) -> tuple[str, str, str]:
    """Score ``records``; the summary (Markdown), a link that saves the report, and the report."""
    from rag.eval.report_html import render_report
    from rag.eval.runner import run_eval
    from rag.eval.scoring import load_questions

    if not records:
        raise RagError("No question is kept.", fix="Tick at least one question, or make or load a set first.")
    folder = evaluations_dir(rag)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    questions_path = folder / f"set-{stamp}.jsonl"
    questions_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    report = run_eval(rag, load_questions(questions_path), answers=answers, progress=False, on_progress=on_progress)
    (folder / f"report-{stamp}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    paragraphs = {pid: p.text for pid, p in rag.ensure_index().stored.paragraphs.items()}
    page = render_report(report, questions_path.name, paragraphs)
    (folder / f"report-{stamp}.html").write_text(page, encoding="utf-8")
    return summary_markdown(report), download_link(page, f"report-{stamp}.html"), page


def summary_markdown(report: dict[str, Any]) -> str:
    figures = {f"retrieval {k}": v for k, v in report["retrieval"].items()} | {
        f"answers {k}": v for k, v in report.get("answers", {}).items()
    }
    wanted = ("recall@1", "recall@5", "mrr@10", "contains", "key_point_coverage", "citation_precision", "false_abstention_rate")
    lines = [f"**{report['questions']} questions · 題**", "", "| figure | value |", "|---|---|"]
    for name, value in figures.items():
        if name.split(" ", 1)[1] in wanted and isinstance(value, (int, float)):
            lines.append(f"| {name} | {value:.3f} |")
    return "\n".join(lines)


def download_link(page: str, name: str) -> str:
    """A link that saves the report page: the page itself in a data: address (the server hands
    out no files: rag.ui.guard), so nothing is left behind in a temporary folder."""
    data = base64.b64encode(page.encode("utf-8")).decode("ascii")
    return f'<a class="report-download" download="{html.escape(name)}" href="data:text/html;base64,{data}">⬇ {html.escape(name)}</a>'


def framed(page: str) -> str:
    """The report page in a frame of its own: escaped into ``srcdoc``, sandboxed, no scripts."""
    return f'<iframe title="report" sandbox="" srcdoc="{html.escape(page, quote=True)}" style="width:100%;height:80vh;border:0"></iframe>'


def evaluate_tab(rag: RAG) -> None:
    def on_make(n: float, kinds: list[str], langs: list[str], progress=gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        try:
            records, note = make_set(rag, int(n or 0), kinds, langs, lambda done, total: progress((done, total), desc="documents"))
        except RagError as exc:
            return gr.update(), gr.update(), f"⚠️ {exc}"
        return table_rows(records), records, note

    def on_load(path: str | None) -> tuple[Any, ...]:
        try:
            records = read_set(path) if path else []
        except RagError as exc:
            return gr.update(), gr.update(), f"⚠️ {exc}"
        return table_rows(records), records, f"Loaded {len(records)} questions · 已載入 {len(records)} 題."

    def on_run(rows: Any, records: list[dict[str, Any]], answers: bool, progress=gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        listed = rows.values.tolist() if hasattr(rows, "values") else list(rows or [])
        told = lambda done, total: progress((done, total), desc="questions")  # noqa: E731
        try:
            summary, download, page = run_set(rag, kept_records(listed, records), answers, told)
        except RagError as exc:
            return f"⚠️ {exc}", "", ""
        return summary, download, framed(page)

    with gr.Tab("Evaluate · 評測", id="evaluate", elem_id="evaluate-tab"):
        gr.Markdown(
            "How well does it answer from **your** documents? Make questions from them (or load a `.jsonl` set), "
            "untick or reword the ones you don't want, run, and read the report · 用自己的文件出題、審題、評測。"
        )
        with gr.Row(equal_height=True):
            n = gr.Number(50, minimum=1, maximum=MAX_ROWS, precision=0, label="Questions · 題數", elem_id="eval-n", min_width=120)
            kinds = gr.CheckboxGroup(list(KINDS), value=list(KINDS), label="Kinds · 題型", elem_id="eval-kinds")
            langs = gr.CheckboxGroup(list(LANGS), value=["zh-Hant"], label="Languages · 語言", elem_id="eval-langs")
        with gr.Row(equal_height=True):
            make = gr.Button("Make questions · 產生題目", variant="primary", elem_id="eval-make")
            load = gr.UploadButton("Load a set · 載入題組 (.jsonl)", file_types=[".jsonl"], type="filepath", elem_id="eval-load")
        note = gr.Markdown(elem_id="eval-note")
        table = gr.Dataframe(
            headers=COLUMNS,
            datatype=["bool", "str", "str", "str", "str", "str"],
            interactive=True,
            wrap=True,
            type="array",
            static_columns=[1, 2, 4, 5, ID_COLUMN],  # the reviewer ticks and rewords; the rest is the record's
            elem_id="eval-table",
        )
        records = gr.State([])
        with gr.Row(equal_height=True):
            answers = gr.Checkbox(False, label="Also answer each question (slower) · 同時作答", elem_id="eval-answers")
            run = gr.Button("Run the evaluation · 執行評測", elem_id="eval-run")
        summary = gr.Markdown(elem_id="eval-summary")
        download = gr.HTML(elem_id="eval-download")
        page = gr.HTML(elem_id="eval-report")
    # One evaluation at a time: it shares the two cores with the people asking questions.
    make.click(on_make, [n, kinds, langs], [table, records, note], api_visibility="private", concurrency_id="evaluate", concurrency_limit=1)
    load.upload(on_load, load, [table, records, note], api_visibility="private")
    run.click(
        on_run,
        [table, records, answers],
        [summary, download, page],
        api_visibility="private",
        concurrency_id="evaluate",
        concurrency_limit=1,
    )
