"""``rag documents``, ``rag add`` and ``rag remove``: the document library from the command
line, with the same checks the page and the REST API use (rag.index.library)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rag.errors import RagError
from rag.ui.commands import CorpusOpt, IndexOpt, JsonOpt, _fail, _name, _print_json, _rag, app
from rag.ui.terminal import safe

IndexNowOpt = Annotated[bool, typer.Option("--index/--no-index", help="Update the index afterwards (only changed files are read).")]


@app.command("documents")
def documents(corpus: CorpusOpt = None, index_dir: IndexOpt = None, as_json: JsonOpt = False) -> None:
    """List the corpus's documents: type, pages, paragraphs, size and state (indexed,
    pending: new or changed since the last build, or skipped, with the reason)."""
    from rag.index.library import list_documents, live_manifest

    rag = _rag(corpus, index_dir)
    try:
        # The manifest alone, not rag.status(): that would hash every file a second time.
        found = list_documents(rag.settings, live_manifest(rag.settings))
    except RagError as exc:
        _fail(exc)
        return
    if as_json:
        _print_json({"documents": [d.model_dump() for d in found]})
        return
    for d in found:
        pages = f" · {d.pages} pages" if d.pages else ""
        paragraphs = f" · {d.paragraphs} paragraphs" if d.paragraphs is not None else ""
        reason = f" ({safe(d.reason, keep_newlines=False)})" if d.reason else ""
        same = f" · same text as {_name(d.same_text_as)}" if d.same_text_as else ""
        typer.echo(f"{_name(d.doc_id)}  {d.type}{pages}{paragraphs} · {d.bytes:,} bytes · {d.state}{reason}{same}")
    if not found:
        typer.echo(f"No documents in {rag.settings.corpus.corpus_dir}. Add some with `rag add FILE`.")


@app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help="Files to copy into the corpus folder.", exists=False)],
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    index_now: IndexNowOpt = True,
) -> None:
    """Copy FILES into the corpus folder (checked: format by content, size, duplicates; a
    name already taken gets ' (2)'), then update the index."""
    from rag.index.library import add_document

    rag = _rag(corpus, index_dir)
    failed, added = 0, []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            typer.echo(f"error: {_name(str(path))}: cannot be read ({exc.strerror}).", err=True)
            failed += 1
            continue
        try:
            added.append(add_document(rag.settings, path.name, data))
            typer.echo(f"added {_name(added[-1])}")
        except RagError as exc:
            typer.echo(f"error: {safe(str(exc), keep_newlines=False)}", err=True)
            failed += 1
    if index_now and added:
        skipped = _update(rag)
        failed += sum(any(problem.startswith(f"{doc}: ") for problem in skipped) for doc in added)  # added, but unreadable
    if failed:
        raise typer.Exit(1)


@app.command("remove")
def remove(
    doc_ids: Annotated[list[str], typer.Argument(help="Documents to delete, as `rag documents` names them.")],
    corpus: CorpusOpt = None,
    index_dir: IndexOpt = None,
    index_now: IndexNowOpt = True,
) -> None:
    """Delete documents from the corpus folder, then update the index."""
    from rag.index.library import remove_document

    rag = _rag(corpus, index_dir)
    try:
        for doc_id in doc_ids:
            remove_document(rag.settings, doc_id)
            typer.echo(f"removed {_name(doc_id)}")
    except RagError as exc:
        _fail(exc)
        return
    if index_now:
        _update(rag)


def _update(rag) -> list[str]:
    """Bring the index up to date; the problems of the files it skipped ("doc: reason")."""
    try:
        report = rag.build()
    except RagError as exc:
        _fail(exc)
        return []
    typer.echo(f"index updated: {report.documents} documents, {report.paragraphs} paragraphs ({report.reused_chunks} chunks reused).")
    for problem in report.problems:
        shown = _name(problem)
        typer.echo(f"  {shown}" if ": skipped" in shown else f"  skipped: {shown}", err=True)
    return list(report.problems)
