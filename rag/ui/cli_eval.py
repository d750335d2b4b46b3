"""``rag eval``, ``rag import-squad`` and ``rag llama-server``: scoring on question sets and
serving the local model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from rag.errors import RagError
from rag.ui.commands import CorpusOpt, IndexOpt, JsonOpt, ModelOpt, _fail, _print_json, _rag, _settings, app


class _RunByDefault(TyperGroup):
    """``rag eval QUESTIONS …`` runs a set as it always did; ``rag eval generate`` and
    ``rag eval compare`` are the group's other commands (as click-default-group does)."""

    def parse_args(self, ctx, args):  # type: ignore[no-untyped-def]
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


eval_app = typer.Typer(
    cls=_RunByDefault,
    no_args_is_help=True,
    help="Score the pipeline on a question set (rag eval QUESTIONS, the same as rag eval run QUESTIONS), "
    "make a set from your own documents (rag eval generate), or compare two reports (rag eval compare).",
)
app.add_typer(eval_app, name="eval")
# rag.eval.generate's KINDS and LANGS (a test checks), written out so `rag --help` need not import it
ALL_KINDS = "lookup,why,list,overview,summary"
ALL_LANGS = "zh-Hant,zh-Hans,en"
HtmlOpt = Annotated[
    Path | None,
    typer.Option("--html", help="Also write the report as one HTML page with plots, readable offline (no CDN, no script)."),
]


@app.command("llama-server")
def llama_server(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8080,
    host: Annotated[str, typer.Option(help="Address to bind. Keep 127.0.0.1: llama.cpp's server has no authentication.")] = "127.0.0.1",
) -> None:
    """Serve the local model (RAG_LOCAL_MODEL) as an OpenAI-compatible API for --model openai."""
    import time

    from rag.models.llama_server import LlamaServer

    try:
        server = LlamaServer(_settings(), host=host, port=port)
    except RagError as exc:
        _fail(exc)
        return
    typer.echo(f"llama.cpp serving on {server.base_url} (Ctrl-C to stop). Use: RAG_OPENAI_BASE_URL={server.base_url} rag ask -m openai …")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.close()


@eval_app.command("run")
def evaluate(
    questions: Annotated[Path, typer.Argument(help="A .jsonl question set, or a DRCD/SQuAD .json file.")],
    answers: Annotated[bool, typer.Option("--answers", help="Also answer each question and score the answers.")] = False,
    model: ModelOpt = None,
    mode: Annotated[str | None, typer.Option(help="Retrieval mode: hybrid, dense or lexical (default: setting).")] = None,
    out: Annotated[Path | None, typer.Option(help="Where to write the JSON report (default: <questions>.report.json).")] = None,
    sample: Annotated[
        int | None,
        typer.Option(min=1, help="Score only N questions spread evenly over the set (a local model takes 20-50 s per answer on 2 cores)."),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(help="With --sample: draw the N questions at random with this seed instead of spreading them evenly."),
    ] = None,
    warm: Annotated[
        bool,
        typer.Option(
            "--warm",
            help="Before the first question, load the answer model and let it read ahead as the web page and API do "
            "(RAG_LLM_READ_AHEAD), so answer timings are a running server's.",
        ),
    ] = False,
    replay: Annotated[
        Path | None,
        typer.Option(
            help="Re-check the answers recorded in this earlier --answers report with today's citation verifier, "
            "instead of calling the model again (a minute instead of an hour). Implies --answers."
        ),
    ] = None,
    html: HtmlOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Score retrieval (recall@1/5/10, MRR@10, nDCG@10, latency) and, with --answers,
    answers (exact match, contains, character F1, citation precision, abstention).

    The report records what the model wrote for each question; --replay REPORT scores
    those texts again after a change to the citation checks, with answer latency taken
    from the recording.

    JSON Lines records: {"question", "answers": [...], "gold_paragraphs": [...],
    "gold_text": [...], "unanswerable": bool}. For DRCD/SQuAD files, first put their
    paragraphs in a corpus: rag import-squad FILE FOLDER, then rag eval FILE --corpus FOLDER.
    """
    from rag.eval.conversations import is_conversation_set
    from rag.eval.runner import run_eval
    from rag.eval.scoring import load_questions, sample_at_random, sample_evenly

    if is_conversation_set(questions):
        _conversations(questions, answers, model, out, sample, _rag(corpus, index_dir), as_json)
        return
    try:
        loaded = load_questions(questions)
        rows = sample_evenly(loaded, sample) if seed is None else sample_at_random(loaded, sample, seed)
        rag = _rag(corpus, index_dir)
        if replay is not None:
            report = _replayed(rag, rows, replay, mode, progress=not as_json)
        else:
            if warm and answers:
                from rag.serve.read_ahead import prepare

                rag.ensure_index()  # the paragraphs it reads ahead
                prepare(rag, model)
            report = run_eval(rag, rows, answers=answers, mode=mode, model=model, progress=not as_json)
    except RagError as exc:
        _fail(exc)
        return
    target = _write(report, out or Path(questions.name).with_suffix(".report.json"))
    if html is not None:
        _write_html(html, report, questions.name, rag)
    if as_json:
        _print_json({k: v for k, v in report.items() if k != "per_question"})
        return
    _print_table(f"{questions.name}: {report['questions']} questions", report)
    typer.echo(f"report: {target}" + (f" and {html}" if html else ""))


def _write_html(target: Path, report: dict, title: str, rag) -> None:
    """The report as one offline HTML page, the worst questions shown with their passages."""
    from rag.eval.report_html import render_report

    paragraphs = {pid: p.text for pid, p in rag.ensure_index().stored.paragraphs.items()}
    target.write_text(render_report(report, title, paragraphs), encoding="utf-8")


@eval_app.command("generate")
def generate(
    out: Annotated[
        Path, typer.Argument(help="The JSON Lines file to write; if it exists, what it lacks is added (a stopped run resumes).")
    ],
    n: Annotated[int, typer.Option("--n", min=1, help="How many questions the file should hold.")] = 200,
    kinds: Annotated[
        str, typer.Option(help="Comma-separated kinds: lookup, why, list, overview, summary.")
    ] = "lookup,why,list,overview,summary",
    langs: Annotated[
        str,
        typer.Option(help="Comma-separated languages: zh-Hant, zh-Hans, en (English only for overview and summary of Chinese documents)."),
    ] = ALL_LANGS,
    seed: Annotated[int, typer.Option(help="Which documents come first, drawn with this seed.")] = 0,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="A generative answer model (local, openai) to write English versions of Chinese questions, each checked.",
        ),
    ] = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Make a question set from the library's own documents, offline, for rag eval.

    Rules turn sentences with dates, amounts and names into lookups (with their answers),
    sentences that give causes or enumerate into why- and list-questions, and each titled
    document into an overview and a summary question (with key points), each record citing
    its source paragraphs.

    A question is kept only if it leads back to its own sentence, does not say its answer,
    does not copy its sentence, and is new.

    Then score the pipeline on it: rag eval OUT --answers --html report.html.
    """
    from rag.eval.generate import generate_set

    try:
        rag = _rag(corpus, index_dir)
        stored = rag.ensure_index().stored
        translate = _translator(rag, model) if model else None
        made = generate_set(
            stored.paragraphs.values(), stored.maps, out, n, _listed(kinds), _listed(langs), seed, progress=not as_json, translate=translate
        )
    except RagError as exc:
        _fail(exc)
        return
    summary = made.summary()
    if as_json:
        _print_json(summary)
        return
    typer.echo(f"{out}: {summary['questions']} questions ({made.written} new) from {made.candidates} candidates.")
    typer.echo("by kind: " + ", ".join(f"{k} {v}" for k, v in made.by_kind.items()))
    typer.echo("by language: " + ", ".join(f"{k} {v}" for k, v in made.by_lang.items()))
    if made.dropped:
        typer.echo("dropped: " + ", ".join(f"{v} {k}" for k, v in sorted(made.dropped.items(), key=lambda kv: -kv[1])))
    if made.translated:
        typer.echo(f"{made.translated} written in English by the model and checked.")
    if made.not_translated:
        typer.echo(f"{made.not_translated} not written in a language only a model could translate them into (try --model local).")
    if made.already + made.written < n:
        typer.echo(f"Fewer than {n}: the documents gave no more questions that pass the checks.")
    typer.echo(f"Next: rag eval {out} --answers --html {out.with_suffix('.html')}")


@eval_app.command("compare")
def compare(
    before: Annotated[Path, typer.Argument(help="The earlier report (JSON, from rag eval).")],
    after: Annotated[Path, typer.Argument(help="The later report, of the same question set.")],
    html: HtmlOpt = None,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit with status 2 when a figure got worse beyond its tolerance (for CI).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Compare two rag eval reports: every figure before and after, the regressions (a figure
    worse by more than its noise tolerance) and the questions that got worse or better.

    Score the same question set before and after a change (rag eval set.jsonl --out before.json,
    then --out after.json), then: rag eval compare before.json after.json --html change.html.
    """
    from rich.console import Console
    from rich.table import Table

    from rag.eval.compare import compare_reports, render_comparison

    try:
        reports = [_read_report(path) for path in (before, after)]
    except RagError as exc:
        _fail(exc)
        return
    compared = compare_reports(*reports)
    if html is not None:
        html.write_text(render_comparison(reports[0], reports[1], names=(before.name, after.name)), encoding="utf-8")
    if as_json:
        _print_json(compared)
    else:
        table = Table(title=f"{before.name} → {after.name}")
        for column in ("figure", "before", "after", "change", ""):
            table.add_column(column, justify="left" if column in ("figure", "") else "right")
        for row in compared["figures"]:
            mark = "REGRESSION" if row["regression"] else ("better" if row["improvement"] else "")
            table.add_row(f"{row['section']} {row['name']}", *(_shown(row[k]) for k in ("before", "after", "change")), mark)
        Console().print(table)
        worse = compared["questions"].get("worse", [])
        typer.echo(f"{len(compared['regressions'])} regressions; {len(worse)} questions got worse." + (f" Page: {html}" if html else ""))
    if fail_on_regression and compared["regressions"]:
        raise typer.Exit(2)


def _shown(value: object) -> str:
    return "n/a" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))


def _read_report(path: Path) -> dict:
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RagError(f"Cannot read the report {path} ({type(exc).__name__}).", fix="Give a JSON report written by rag eval.") from None
    if not isinstance(report, dict) or "retrieval" not in report:
        raise RagError(f"{path} is not a rag eval report (no 'retrieval' section).", fix="Give a JSON report written by rag eval.")
    return report


def _translator(rag, model: str):
    """English versions of questions written by ``model``'s chat, checked (rag.eval.translate)."""
    from rag.eval.translate import model_translator

    chat = getattr(rag.backend(model), "chat", None)
    if chat is None:
        raise RagError(f"The answer model {model!r} writes no text of its own.", fix="Use --model local or --model openai.")
    return model_translator(chat, rag.embedder)


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _replayed(rag, rows: list, recording_path: Path, mode: str | None, progress: bool) -> dict:
    """The report of answering ``rows`` with the texts a model wrote in an earlier report,
    checked again today; the answer latency is the recording's (the replay takes none)."""
    from rag.answer.replay import ReplayBackend, load_recording
    from rag.eval.runner import run_eval

    recording = load_recording(recording_path)
    backend = ReplayBackend(recording, recording_path.name, rag.embedder, rag.settings)
    rag.use_backend(backend)
    report = run_eval(rag, rows, answers=True, mode=mode, model=backend.name, progress=progress)
    for key in ("latency_ms_p50", "latency_ms_p95"):
        report["answers"][key] = recording.get("answers", {}).get(key)
    for row in report["per_question"]:
        row["answer_ms"] = backend.records.get(row["question"], {}).get("answer_ms")
    return report


def _write(report: dict, target: Path) -> Path:
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _print_table(title: str, report: dict) -> None:
    """Every retrieval and answer figure of a report, one a row."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for section in ("retrieval", "answers"):
        for key, value in report.get(section, {}).items():
            shown = "n/a" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))
            table.add_row(f"{section} {key}", shown)
    Console().print(table)


def _conversations(path: Path, answers: bool, model: str | None, out: Path | None, sample: int | None, rag, as_json: bool) -> None:
    """``rag eval`` of a multi-turn set (records with "turns"): follow-ups bare, rewritten and standalone."""
    from rich.console import Console
    from rich.table import Table

    from rag.eval.conversations import METHODS, load_conversations, run_conversation_eval
    from rag.eval.scoring import sample_evenly

    try:
        conversations = sample_evenly(load_conversations(path), sample)
        report = run_conversation_eval(rag, conversations, answers=answers, model=model, progress=not as_json)
    except RagError as exc:
        _fail(exc)
        return
    target = _write(report, out or Path(path.name).with_suffix(".report.json"))
    if as_json:
        _print_json({k: v for k, v in report.items() if k != "per_turn"})
        return
    table = Table(title=f"{path.name}: {report['conversations']} conversations, {report['turns']} turns")
    for column in ("turns", "kind", "method", "recall@3", "mrr@10", *(["contains"] if answers else [])):
        table.add_column(column, justify="right" if column not in ("kind", "method") else "left")
    for kind in ("follow_up", "subject_change", "first"):
        for method in METHODS:
            scores = report[kind][method]
            cells = [f"{scores[m]:.3f}" if scores.get(m) is not None else "n/a" for m in ("recall@3", "mrr@10", "contains") if m in scores]
            table.add_row(str(report[kind]["turns"]), kind, method, *cells)
    Console().print(table)
    typer.echo(f"report: {target}")


@app.command("import-squad")
def import_squad(
    source: Annotated[Path, typer.Argument(help="DRCD/SQuAD JSON file.")],
    folder: Annotated[Path, typer.Argument(help="Corpus folder to write, one .txt per paragraph.")],
) -> None:
    """Turn the paragraphs of a DRCD/SQuAD file into a corpus folder for rag eval."""
    from rag.eval.scoring import write_squad_corpus

    try:
        count = write_squad_corpus(source, folder)
    except RagError as exc:
        _fail(exc)
        return
    typer.echo(f"Wrote {count} paragraphs to {folder}. Next: rag eval {source} --corpus {folder} --index {folder}-index")
