"""``rag``: build the index, search it, and ask questions from the shell.

Every command reads settings from RAG_* environment variables (see ``rag settings``);
``--json`` prints one JSON object for scripts.  Errors print one line and exit 1.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from rag.errors import RagError
from rag.ui.terminal import safe, safe_json

app = typer.Typer(
    help="Question answering over your documents with citations to the exact source paragraphs.\n\n"
    "Put .txt/.md files in the corpus folder (default: seeds/), then:\n\n"
    "  rag index                      build the index (also done automatically on first use)\n\n"
    '  rag ask "西伯利亞力量2號管道每年最多可輸送多少天然氣？"\n\n'
    '  rag retrieve "question" -k 5 --json\n\n'
    "  rag serve                      web page on http://127.0.0.1:7860",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
KOpt = Annotated[int | None, typer.Option("-k", "--top-k", help="How many passages to return (1-100).")]
CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: RAG_CORPUS_DIR or seeds/).")]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: RAG_INDEX_DIR or index/).")]


def _settings(corpus: Path | None = None, index: Path | None = None, **extra: Any):
    from rag.settings import Settings

    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if corpus:
        overrides["corpus_dir"] = corpus
    if index:
        overrides["index_dir"] = index
    try:
        return Settings(**overrides)
    except ValueError as exc:
        raise RagError(f"Invalid setting: {exc}".replace("\n", " "), fix="Check the RAG_* environment variables.") from exc


def _fail(exc: RagError) -> None:
    typer.echo(f"error: {safe(str(exc), keep_newlines=False)}", err=True)
    raise typer.Exit(1)


def _rag(corpus: Path | None, index: Path | None, progress: bool = True, **extra: Any):
    from rag.pipeline import RAG

    return RAG(_settings(corpus, index, **extra), progress=progress and sys.stderr.isatty())


def _print_json(obj: Any) -> None:
    typer.echo(safe_json(obj))


def _name(text: str) -> str:
    """A file name or paragraph id, on one line whatever it holds (rag.ui.terminal)."""
    return safe(text, keep_newlines=False)


def _passages_json(passages) -> list[dict[str, Any]]:
    return [p.model_dump() for p in passages]


@app.command()
def index(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Rebuild even if the index is up to date.")] = False,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    engine: Annotated[
        Literal["local", "ray"] | None,
        typer.Option(
            "--engine",
            help="Who embeds the chunks: local (this process) or ray (a local Ray cluster on 127.0.0.1, "
            "or the one RAG_RAY_ADDRESS names; needs pip install -e '.\\[ray]'). Default: RAG_INDEX_ENGINE, else local.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Build the index of the corpus, or refresh it if files changed.

    Only chunks whose text is new are embedded. --engine ray spreads them over RAG_RAY_WORKERS Ray actors: same index.
    """
    try:
        rag = _rag(corpus, index_dir, index_engine=engine)
        status = rag.status()
        if status.state == "fresh" and not rebuild:
            counts = (status.manifest or {}).get("counts", {})
            result: dict[str, Any] = {
                "state": "fresh",
                "rebuilt": False,
                **counts,
                "problems": status.problems,
                "notes": status.notes,
            }
        else:
            if not as_json:
                where = " on Ray" if rag.settings.index_engine == "ray" else ""
                typer.echo(f"Building index{where} ({'; '.join(status.reasons) or 'rebuild requested'})…", err=True)
            report = rag.build()
            result = {"state": "fresh", "rebuilt": True, **vars(report)}
    except RagError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json(result)
        return
    verb = "Built" if result["rebuilt"] else "Index is up to date:"
    reused = f" ({result['reused_chunks']} chunk vectors reused from the previous build)" if result.get("reused_chunks") else ""
    typer.echo(
        f"{verb} {result.get('documents', 0)} documents, {result.get('paragraphs', 0)} paragraphs, "
        f"{result.get('chunks', 0)} chunks{reused}."
    )
    for problem in result.get("problems", []):
        typer.echo(f"  skipped: {_name(problem)}", err=True)
    for note in result.get("notes", []):
        typer.echo(f"  note: {_name(note)}", err=True)


@app.command()
def retrieve(
    question: Annotated[str, typer.Argument(help="The question, in Chinese (either script) or English.")],
    k: KOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the paragraphs most relevant to QUESTION, best first."""
    try:
        passages = _rag(corpus, index_dir).retrieve(question, k)
    except RagError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json({"question": question, "passages": _passages_json(passages)})
        return
    for p in passages:
        typer.echo(f"[{p.rank}] {_name(p.paragraph_id)}  score {p.score:.3f}")
        typer.echo(f"    {safe(p.text)}\n")


ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Answer model: extractive, local, openai, or a plugin (see `rag backends`).")
]


def _answer_json(answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "model": answer.model,
        "error": answer.error,
        "citations": [c.model_dump() for c in answer.citations],
        "sentences": [s.model_dump() for s in answer.sentences],
        "passages": _passages_json(answer.passages),
    }


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese (either script) or English.")],
    k: KOpt = None,
    model: ModelOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer QUESTION from the corpus, citing the source paragraphs as [1], [2]…

    Generative models stream their words as they write; the citations are then checked
    against the cited paragraphs and the verified answer is printed below.
    """
    from rag.answer.backends import Final, Token

    try:
        events = _rag(corpus, index_dir).ask_stream(question, k, model)
        streamed: list[str] = []
        answer = None
        for event in events:
            if isinstance(event, Token) and not as_json:
                streamed.append(event.text)
                typer.echo(safe(event.text), nl=False)
            elif isinstance(event, Final):
                answer = event.answer
    except RagError as exc:
        _fail(exc)
        return
    if answer is None:  # pragma: no cover - backends always end with Final
        _fail(RagError("The answer model ended without an answer.", fix="Try again."))
        return
    if as_json:
        _print_json(_answer_json(answer))
        if answer.error:
            raise typer.Exit(1)
        return
    if streamed:
        typer.echo("")
    if answer.error:
        for p in answer.passages:
            typer.echo(f"[{p.rank}] {_name(p.paragraph_id)}  score {p.score:.3f}\n    {safe(p.text)}")
        _fail(RagError(answer.error))
    if "".join(streamed).strip() != answer.text.strip():
        typer.echo(f"\nVerified answer:\n{safe(answer.text)}")
    if answer.citations:
        typer.echo("")
    for c in answer.citations:
        typer.echo(f"[{c.key}] {_name(c.paragraph_id)} (characters {c.start}-{c.end}): {safe(c.text)}")
    for s in answer.unsupported:
        typer.echo(f"unsupported: {safe(s.text)} ({safe(s.reason)})")
    for s in answer.sentences:
        if not s.about_question:
            typer.echo(f"left out: {safe(s.text)} ({safe(s.reason)})")


@app.command()
def backends() -> None:
    """List the answer models that --model accepts (built-ins and installed plugins)."""
    from rag.answer.backends import available

    for name, ep in sorted(available().items()):
        typer.echo(f"{name:<12} {ep.value}")


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


@app.command("eval")
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
    replay: Annotated[
        Path | None,
        typer.Option(
            help="Re-check the answers recorded in this earlier --answers report with today's citation verifier, "
            "instead of calling the model again (a minute instead of an hour). Implies --answers."
        ),
    ] = None,
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
    from rag.eval.runner import run_eval
    from rag.eval.scoring import load_questions, sample_at_random, sample_evenly

    try:
        loaded = load_questions(questions)
        rows = sample_evenly(loaded, sample) if seed is None else sample_at_random(loaded, sample, seed)
        rag = _rag(corpus, index_dir)
        recording = None
        if replay is not None:
            from rag.answer.replay import ReplayBackend, load_recording

            recording = load_recording(replay)
            backend = ReplayBackend(recording, replay.name, rag.embedder, rag.settings)
            rag.use_backend(backend)
            answers, model = True, backend.name
        report = run_eval(rag, rows, answers=answers, mode=mode, model=model, progress=not as_json)
        if recording is not None:
            # The replay takes no time worth reporting; the model's latency is the recording's.
            for key in ("latency_ms_p50", "latency_ms_p95"):
                report["answers"][key] = recording.get("answers", {}).get(key)
            for row in report["per_question"]:
                row["answer_ms"] = backend.records.get(row["question"], {}).get("answer_ms")
    except RagError as exc:
        _fail(exc)
        return
    target = out or Path(questions.name).with_suffix(".report.json")
    target.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if as_json:
        _print_json({k: v for k, v in report.items() if k != "per_question"})
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{questions.name}: {report['questions']} questions")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for section in ("retrieval", "answers"):
        for key, value in report.get(section, {}).items():
            shown = "n/a" if value is None else (f"{value:.4f}" if isinstance(value, float) else str(value))
            table.add_row(f"{section} {key}", shown)
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


@app.command()
def status(corpus: CorpusOpt = None, index_dir: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """Say whether the index exists and matches the corpus and settings."""
    try:
        st = _rag(corpus, index_dir).status()
    except RagError as exc:
        _fail(exc)
        return
    info = {
        "state": st.state,
        "reasons": st.reasons,
        **({k: st.manifest[k] for k in ("built_at", "embedding_model", "counts")} if st.manifest else {}),
        "problems": st.problems,
    }
    if as_json:
        _print_json(info)
        return
    typer.echo(f"index: {st.state}" + (f" ({_name('; '.join(st.reasons))})" if st.reasons else ""))
    if st.manifest:
        typer.echo(f"built {st.manifest['built_at']} with {st.manifest['embedding_model']}: {st.manifest['counts']}")
    for problem in st.problems:
        typer.echo(f"  skipped: {_name(problem)}", err=True)


@app.command()
def settings(as_json: JsonOpt = False) -> None:
    """List every setting, its current value, and the environment variable that sets it."""
    try:
        s = _settings()
    except RagError as exc:
        _fail(exc)
        return
    rows = {
        name: {"value": str(getattr(s, name)), "env": f"RAG_{name.upper()}", "description": f.description}
        for name, f in type(s).model_fields.items()
    }
    if as_json:
        _print_json(rows)
        return
    for row in rows.values():
        typer.echo(f"{row['env']:<28} = {row['value']}\n    {row['description']}")


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to bind (default 127.0.0.1, RAG_UI_HOST). Set RAG_UI_AUTH=user:password before exposing it.")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 7860, RAG_UI_PORT).")] = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
) -> None:
    """Start the web page (builds the index first if needed).

    The page streams answers with clickable citations; its API works with gradio_client:
    Client("http://127.0.0.1:7860").predict("question", api_name="/answer").
    """
    from rag.ui.web import launch

    try:
        launch(_rag(corpus, index_dir), host=host, port=port)
    except RagError as exc:
        _fail(exc)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    app()


if __name__ == "__main__":
    main()
