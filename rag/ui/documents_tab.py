"""The page's Documents tab: drop files to add them, see every document with its state
(indexed, indexing x%, pending, skipped and why), delete, re-index. It uses the same
library code as `rag add` and POST /api/documents, so all share one corpus folder; the
index updates in the background while questions are answered from the last good build."""

from __future__ import annotations

import contextlib
import html
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from rag.errors import RagError
from rag.index.library import DocumentInfo
from rag.ui.library_view import add_files, document_detail, documents_now, remove_files

if TYPE_CHECKING:
    from rag.pipeline import RAG

log = logging.getLogger("rag")
POLL_S = 1.0
CSS = """
.documents-table { overflow-x: auto; }
.documents-table table { width: 100%; border-collapse: collapse; font-size: .92em; }
.documents-table th, .documents-table td { text-align: left; padding: .35em .5em; border-bottom: 1px solid var(--border-color-primary); }
.documents-table td.num { text-align: right; white-space: nowrap; }
.documents-table .name { word-break: break-all; }
.documents-table .state-skipped { color: #b42318; }
.documents-table .state-pending, .documents-table .state-indexing { color: #92400e; }
.documents-table progress { width: 5em; vertical-align: middle; }
@media (max-width: 640px) { .documents-table .wide { display: none; } }
"""
STATES = {"indexed": "indexed · 已索引", "pending": "pending · 待索引", "indexing": "indexing · 索引中", "skipped": "skipped · 略過"}


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 2**10:,.1f} KB" if n >= 2**10 else f"{n} B"


def _row(d: DocumentInfo) -> str:
    e = html.escape
    state = STATES[d.state]
    if d.state == "indexing" and d.progress is not None:
        state += f' <progress max="100" value="{d.progress}"></progress> {d.progress}%'
    reason = f"<br><small>{e(d.reason)}</small>" if d.state == "skipped" and d.reason else ""
    if d.same_text_as:  # the user keeps or deletes it (the delete menu below); answers show its text once
        reason += f'<br><small class="same-text">same text as · 內容同 {e(d.same_text_as)}</small>'
    cells = [
        f'<td class="name">{e(d.doc_id)}</td>',
        f"<td>{e(d.type)}</td>",
        f'<td class="num wide">{d.pages if d.pages is not None else "–"}</td>',
        f'<td class="num">{d.paragraphs if d.paragraphs is not None else "–"}</td>',
        f'<td class="wide">{e(d.date or "–")}</td>',
        f'<td class="num wide">{_size(d.bytes)}</td>',
        f'<td class="state state-{d.state}">{state}{reason}</td>',
    ]
    return f'<tr data-doc="{e(d.doc_id)}" data-state="{d.state}">{"".join(cells)}</tr>'


def table_html(found: list[DocumentInfo]) -> str:
    if not found:
        return '<div class="documents-table"><p>No documents yet: drop some above. · 還沒有文件：請在上方拖放檔案。</p></div>'
    head = (
        "<tr><th>Document · 文件</th><th>Type</th><th class='wide'>Pages</th><th>Paragraphs</th>"
        "<th class='wide'>Date</th><th class='wide'>Size</th><th>State · 狀態</th></tr>"
    )
    return f'<div class="documents-table"><table><thead>{head}</thead><tbody>{"".join(_row(d) for d in found)}</tbody></table></div>'


def _read_upload(path: str) -> tuple[str, bytes]:
    """The uploaded file's name and bytes; Gradio's temporary copy is removed at once, so
    nothing uploaded stays outside the corpus folder."""
    try:
        return Path(path).name, Path(path).read_bytes()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)


def index_line(rag: RAG) -> str:
    """What the live index holds and what the background update is doing (no file is read)."""
    counts = (rag.manifest or {}).get("counts", {})
    built = str((rag.manifest or {}).get("built_at", "")).replace("T", " ").split("+")[0]
    live = f"**Index · 索引:** {counts.get('documents', 0)} documents · {counts.get('paragraphs', 0)} paragraphs"
    live += f" · built {built} UTC" if built else " · not built yet"
    state = rag.indexer.state
    if state.running:
        return f"{live}  \n⏳ Updating · 更新中: {html.escape(state.describe())} (questions are answered from the index above meanwhile)"
    if state.error:
        return f"{live}  \n⚠️ The last update failed: {html.escape(state.error)}"
    return live


def summary_html(rag: RAG, doc_id: str | None) -> str:
    """A document's map as the tab shows it: its title and summary sentences, each with where
    it is (document text escaped: it is shown, never interpreted)."""
    if not doc_id:
        return ""
    try:
        detail = document_detail(rag, doc_id)
    except RagError as exc:
        return f"<p>⚠️ {html.escape(exc.message)} {html.escape(exc.fix)}</p>"
    found = detail["map"]
    if not found:
        return "<p>Not indexed yet · 尚未索引。</p>"
    e = html.escape
    items = "".join(f"<li>{e(s['text'])} <small>({e(s['location'])})</small></li>" for s in found["summary"])
    return f'<div class="document-summary"><strong>{e(found["title"])}</strong><ul>{items}</ul></div>'


def documents_tab(rag: RAG, also: list[gr.Dropdown] | None = None) -> tuple[Any, list[Any]]:
    """Lay out the tab inside the current Blocks; returns the function that refreshes it
    and its outputs (for the page's load event). ``also``: other document menus (the Ask
    tab's scope) whose choices follow the library."""
    menus: list[gr.Dropdown] = list(also or [])  # with the summary's menu, added below

    listed: dict[str, list[DocumentInfo]] = {}  # the last full listing, which the timer only updates

    def view(cheap: bool = False) -> tuple[Any, ...]:
        """The tab's outputs; ``cheap`` (the timer, while indexing): the last listing with the
        indexer's progress, so no corpus file is read every second."""
        try:
            cached = listed.get("found") if cheap and rag.indexer.state.running else None
            found = documents_now(rag, cached)
            listed["found"] = found
        except RagError as exc:
            return index_line(rag), f"⚠️ {exc}", gr.update(), gr.Timer(active=False), *(gr.update() for _ in menus)
        state = rag.indexer.state
        names = [d.doc_id for d in found]
        choices = [gr.update(choices=[d.doc_id for d in found if d.state == "indexed"]) for _ in menus]
        return index_line(rag), table_html(found), gr.update(choices=names), gr.Timer(active=state.running), *choices

    def on_upload(paths: list[str] | None) -> tuple[Any, ...]:
        files = [_read_upload(p) for p in paths or []]
        added, refused = add_files(rag, files)
        lines = [f"**Added · 已加入:** {', '.join(f'`{a}`' for a in added)}. Indexing in the background · 背景索引中…"] if added else []
        lines += [f"⚠️ {exc.message} {exc.fix}" for exc in refused]
        return (None, "\n\n".join(lines), *view())

    def on_delete(chosen: list[str] | None) -> tuple[Any, ...]:
        if not chosen:
            return ("Choose documents to delete first · 請先選擇要刪除的文件。", *view())
        try:
            remove_files(rag, list(chosen))
            message = f"**Deleted · 已刪除:** {', '.join(f'`{c}`' for c in chosen)}. Updating the index · 更新索引中…"
        except RagError as exc:
            message = f"⚠️ {exc.message} {exc.fix}"
        return (message, *view())

    def on_reindex() -> tuple[Any, ...]:
        rag.indexer.request()
        return ("Re-indexing the changed documents · 重新索引有變動的文件…", *view())

    with gr.Tab("Documents · 文件", id="documents", elem_id="documents-tab") as tab:
        upload = gr.File(
            file_count="multiple",
            type="filepath",
            # The browser refuses a larger file before sending it (Gradio's max_file_size), so say the limit here.
            label=f"Drop files here, or click · 拖放或點選檔案 (up to {rag.settings.corpus.max_file_mb:g} MB each, RAG_MAX_FILE_MB)",
            elem_id="upload",
            height=140,
        )
        message = gr.Markdown(elem_id="documents-message")
        line = gr.Markdown(index_line(rag), elem_id="index-line")
        table = gr.HTML(table_html([]), elem_id="documents-table")
        with gr.Row(equal_height=True):
            chosen = gr.Dropdown([], multiselect=True, label="Documents to delete · 要刪除的文件", elem_id="delete-choice", scale=4)
            delete = gr.Button("Delete · 刪除", variant="stop", elem_id="delete", scale=1, min_width=90)
            reindex = gr.Button("Re-index · 重新索引", elem_id="reindex", scale=1, min_width=90)
        with gr.Accordion("Summary · 摘要", open=False, elem_id="summary-box"):
            summary_choice = gr.Dropdown([], label="Document · 文件", elem_id="summary-choice")
            summary = gr.HTML(elem_id="document-summary")
        timer = gr.Timer(POLL_S, active=False)
    menus.append(summary_choice)  # its choices follow the indexed documents too
    shown = [line, table, chosen, timer, *menus]
    summary_choice.change(lambda doc: summary_html(rag, doc), summary_choice, summary, api_visibility="private")
    # The spinner goes on the drop zone, not over the message it is about to replace.
    upload.upload(on_upload, upload, [upload, message, *shown], api_visibility="private", concurrency_limit=1, show_progress_on=upload)
    delete.click(on_delete, chosen, [message, *shown], api_visibility="private", concurrency_limit=1, show_progress_on=delete)
    reindex.click(on_reindex, None, [message, *shown], api_visibility="private", concurrency_limit=1, show_progress_on=reindex)
    timer.tick(lambda: view(cheap=True), None, shown, api_visibility="private", show_progress="hidden")
    tab.select(lambda: view(), None, shown, api_visibility="private", show_progress="hidden")
    return view, shown
