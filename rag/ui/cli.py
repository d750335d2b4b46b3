"""``rag``: build the index, search it, and ask questions from the shell.

Every command reads settings from RAG_* environment variables (see ``rag settings``);
``--json`` prints one JSON object for scripts.  Errors print one line and exit 1.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import typer

from rag.errors import RagError
from rag.ui.commands import (
    AfterOpt,
    CorpusOpt,
    DocOpt,
    IndexOpt,
    JsonOpt,
    KOpt,
    ModelOpt,
    SinceOpt,
    UntilOpt,
    _fail,
    _name,
    _passages_json,
    _print_json,
    _rag,
    _scope_and_history,
    _settings,
    app,
    help_a_sentence_a_line,
)
from rag.ui.terminal import safe


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
                where = " on Ray" if rag.settings.index.index_engine == "ray" else ""
                typer.echo(f"Building index{where} ({'; '.join(status.reasons) or 'rebuild requested'})…", err=True)
            report = rag.build(on_progress=None if as_json else _say_when_searchable)
            result = {"state": "fresh", "rebuilt": True, **vars(report)}
    except RagError as exc:
        _fail(exc)
        return
    except KeyboardInterrupt:
        kept = "" if rag.settings.index.index_engine == "ray" else " The vectors computed so far are kept: `rag index` goes on from them."
        typer.echo(f"\nStopped.{kept}", err=True)
        raise typer.Exit(130) from None
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


def _say_when_searchable(stage: str, done: int, total: int, what: str) -> None:
    if stage == "searchable":
        typer.echo(
            f"Searchable now by words (BM25); {done:,} of {total:,} chunks have vectors, computing the rest (Ctrl-C keeps what is done).",
            err=True,
        )


@app.command()
def retrieve(
    question: Annotated[str, typer.Argument(help="The question, in Chinese (either script) or English.")],
    k: KOpt = None,
    docs: DocOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    after: AfterOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Show the paragraphs most relevant to QUESTION, best first."""
    try:
        scope, history = _scope_and_history(docs, since, until, after)
        passages = _rag(corpus, index_dir, one_question=True).retrieve(question, k, scope=scope, history=history)
    except RagError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json({"question": question, "passages": _passages_json(passages)})
        return
    for p in passages:
        typer.echo(f"[{p.rank}] {_name(p.location)}{_ocr(p.ocr)}  score {p.score:.3f}")
        typer.echo(f"    {safe(p.text)}\n")


# The name search tools use (MCP's `search`, /api/search): the same command.
app.command("search", help="The same as `rag retrieve`: the paragraphs most relevant to QUESTION, best first.")(retrieve)


def _ocr(ocr: bool) -> str:
    return " (OCR: check against the page)" if ocr else ""


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese (either script) or English.")],
    k: KOpt = None,
    model: ModelOpt = None,
    docs: DocOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    after: AfterOpt = None,
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer QUESTION from the corpus, citing the source paragraphs as [1], [2]…

    A follow-up (「這大約佔其GDP的多少？」) works with the earlier questions given as
    --after; the question it was rewritten to is printed with the answer.

    Generative models stream their words as they write; the citations are then checked
    against the cited paragraphs and the verified answer is printed below.
    """
    from rag.answer.backends import Draft, Final, Token

    try:
        scope, history = _scope_and_history(docs, since, until, after)
        events = _rag(corpus, index_dir, one_question=True).ask_stream(question, k, model, scope=scope, history=history)
        streamed: list[str] = []
        answer = None
        for event in events:
            if isinstance(event, Draft) and not as_json:  # the sources' own words while the model writes
                typer.echo(f"Quote, while the model writes:\n{safe(event.answer.text)}\n")
            elif isinstance(event, Token) and not as_json:
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
        _print_json(answer.as_json())
        if answer.error:
            raise typer.Exit(1)
        return
    if streamed:
        typer.echo("")
    if answer.standalone_question:
        typer.echo(f"(answered as the follow-up of the earlier questions: {safe(answer.standalone_question)})")
    if answer.error:
        for p in answer.passages:
            typer.echo(f"[{p.rank}] {_name(p.location)}{_ocr(p.ocr)}  score {p.score:.3f}\n    {safe(p.text)}")
        _fail(RagError(answer.error))
    if "".join(streamed).strip() != answer.text.strip():
        typer.echo(f"\nVerified answer:\n{safe(answer.text)}")
    if answer.citations:
        typer.echo("")
    for c in answer.citations:
        # The quoted text on lines of its own, each behind a bar: a document's own line in
        # this form ("[1] a.txt ¶8 (characters …)") can never pass for one of ours.
        quoted = "\n".join(f"    │ {line}" for line in safe(c.text).splitlines() or [""])
        typer.echo(f"[{c.key}] {_name(c.location or c.paragraph_id)}{_ocr(c.ocr)} (characters {c.start}-{c.end}):\n{quoted}")
    for s in answer.sentences:  # a quote given instead: all the model wrote, none of it used
        if answer.quoted_instead or s.supported is False or not s.about_question:
            label = "model wrote, not used" if answer.quoted_instead else "unsupported" if s.supported is False else "left out"
            typer.echo(f"{label}: {safe(s.text)}" + (f" ({safe(s.why)})" if s.reason else ""))


@app.command()
def backends() -> None:
    """List the answer models that --model accepts (built-ins and installed plugins)."""
    from rag.answer.backends import available

    for name, ep in sorted(available().items()):
        typer.echo(f"{name:<12} {ep.value}")


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
    from rag.settings import GROUPS, OWN_NAME

    rows = {}
    for group, model in GROUPS.items():
        for field, info in model.model_fields.items():
            value = getattr(getattr(s, group), field)
            own = OWN_NAME.get((group, field))
            shown = ",".join(sorted(value)) if isinstance(value, frozenset) else str(value)
            env = f"RAG_{own.upper()}" if own else f"RAG_{group.upper()}__{field.upper()}"
            rows[own or f"{group}.{field}"] = {"value": shown, "env": env, "group": group, "description": info.description}
    if as_json:
        _print_json(rows)
        return
    for row in rows.values():
        typer.echo(f"{row['env']:<36} = {row['value']}\n    {row['description']}")


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

    logging.getLogger("rag").setLevel(logging.INFO)  # a server says when its index updates
    try:
        launch(_rag(corpus, index_dir), host=host, port=port)
    except RagError as exc:
        _fail(exc)


# Registers rag eval, import-squad and llama-server after the everyday commands (their --help order).
from rag.ui import cli_documents, cli_eval, cli_mcp  # noqa: E402, F401

help_a_sentence_a_line(app)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    app()


if __name__ == "__main__":
    main()
