"""The Gradio page: a chat over the corpus with streamed answers, clickable
citations, a sources panel, settings and index status (rag.ui.render makes the HTML),
and the Documents tab (rag.ui.documents_tab). The same server answers the REST API
(rag.ui.api) and, for ``gradio_client``, ``/answer``, the whole answer object as JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr
from starlette.middleware import Middleware
from starlette.routing import Mount

from rag.answer.backends import Draft, Final, available
from rag.errors import RagError
from rag.pipeline import RAG
from rag.serve.open_index import serve_index
from rag.serve.warm_up import warm_up_in_background
from rag.text.language import detect_language
from rag.text.questions import clean_question
from rag.types import MODES, Scope
from rag.ui import conversation as C
from rag.ui import render as R
from rag.ui.api import SLOT_WAIT_S, api_routes
from rag.ui.api_base import LOOPBACK, AnswerSlots
from rag.ui.documents_tab import CSS as DOCUMENTS_CSS
from rag.ui.documents_tab import documents_tab
from rag.ui.evaluate_tab import evaluate_tab
from rag.ui.guard import Guard
from rag.ui.mcp_server import McpOverHttp
from rag.ui.page_image import cited_pages

log = logging.getLogger("rag")

EXAMPLES = [
    "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
    "蒙古国每年能获得多少能源过境费？",
    "What is Mongolia's Third Neighbor Policy?",
]


def index_status_markdown(rag: RAG) -> str:
    try:
        status = rag.status()
    except RagError as exc:
        return f"⚠️ {exc}"
    m = status.manifest or {}
    if status.state == "missing" or not m:
        return "**Index:** not built yet · 尚未建立索引"
    counts = m.get("counts", {})
    built = str(m.get("built_at", "?")).replace("T", " ").split("+")[0]
    state = "up to date · 最新" if status.state == "fresh" else f"⚠️ {status.state}: {'; '.join(status.reasons)}"
    if status.state == "partial":  # not a fault: a large update's vectors are on their way
        state = f"⏳ searchable by words · 可檢索 ({'; '.join(status.reasons)})"
    reading = rag.library_reading
    read_ahead = ""
    if reading.total:  # the local model's saved readings (rag.serve.read_ahead)
        doing = " · reading…" if reading.running else ""
        read_ahead = f"  \nanswer model read ahead · 模型已預讀: {reading.done} of {reading.total} ({reading.as_json()['percent']}%){doing}"
    return (
        f"**Index:** {state}  \n"
        f"{counts.get('documents', len(m.get('documents', [])))} documents · {counts.get('paragraphs', '?')} paragraphs · "
        f"{counts.get('chunks', '?')} chunks  \nmodel `{m.get('embedding_model', '?')}` · built {built} UTC{read_ahead}"
    )


def friendly(exc: RagError, language: str) -> str:
    prefix = {"zh-Hant": "無法回答：", "zh-Hans": "无法回答：", "en": ""}[language]
    return f"⚠️ {prefix}{exc.message} {exc.fix}".strip()


def ask_turn(
    rag: RAG, question: str, turns: list[dict], saved: list[dict], model: str, k: float, mode: str, docs: list[str], since: str, until: str
) -> Iterator[tuple[Any, ...]]:
    """One question on the page: the conversation with the answer as it is written (the
    sources' quote until the model's first word), then the checked answer as a new turn.
    Yields (question box, conversation, sources, notice, turns, saved turns)."""
    turns, saved = list(turns or []), list(saved or [])
    n = len(turns) + 1
    language = detect_language(question or "")
    try:
        question = clean_question(question, rag.settings.retrieval.max_question_chars)
        events = rag.ask_stream(question, int(k), model, mode, Scope.typed(docs, since, until), C.history(saved))
    except RagError as exc:
        yield gr.update(), R.conversation(turns), R.sources_panel(turns), friendly(exc, language), turns, saved
        return
    written, quote = "", ""
    answer = None
    try:
        for event in events:
            if isinstance(event, Final):
                answer = event.answer
                break
            if isinstance(event, Draft):  # the sources' own words until the model's first word
                quote = R.quote_html(event.answer, language)
            else:
                written += event.text
            body = R.streaming_html(written, language) if written else quote + R.streaming_html("", language)
            yield "", R.conversation(turns, R.turn_html(n, question, language, body)), gr.update(), "", turns, gr.update()
    except RagError as exc:  # a backend that raises instead of returning Final(error=...)
        yield gr.update(), R.conversation(turns), R.sources_panel(turns), friendly(exc, language), turns, saved
        return
    if answer is None:
        yield gr.update(), R.conversation(turns), R.sources_panel(turns), "⚠️ The answer model returned nothing.", turns, saved
        return
    turns.append(
        {
            "n": n,
            "language": language,
            "html": R.turn_html(n, question, language, R.answer_html(n, answer, language), answer.standalone_question),
            "cards": R.source_cards(n, answer, language, cited_pages(rag.settings.corpus.corpus_dir, answer)),
        }
    )
    saved = [*saved, C.saved_turn(question, language, answer)][-C.MAX_SAVED_TURNS :]
    note = f"⚠️ {answer.error}" if answer.error else ""
    yield "", R.conversation(turns), R.sources_panel(turns), note, turns, saved


@dataclass
class AskTab:
    """The Ask tab's components that handlers read or write."""

    chat: gr.HTML
    notice: gr.Markdown
    question: gr.Textbox
    ask_button: gr.Button
    docs: gr.Dropdown
    since: gr.Textbox
    until: gr.Textbox
    clear_button: gr.Button
    export_button: gr.Button
    exported: gr.Textbox
    sources: gr.HTML
    model: gr.Dropdown
    k: gr.Slider
    mode: gr.Radio
    status: gr.Markdown


def ask_tab(rag: RAG) -> AskTab:
    """The Ask tab's layout: the conversation and question on the left, sources and settings on the right."""
    settings = rag.settings
    with gr.Tab("Ask · 提問", id="ask-tab", elem_id="ask-tab"), gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=320):
            chat = gr.HTML(R.conversation([]), elem_id="conversation", js_on_load=R.CLICK_JS, autoscroll=True)
            notice = gr.Markdown(elem_id="notice")
            with gr.Row():
                question = gr.Textbox(
                    show_label=False, placeholder=EXAMPLES[0], lines=1, max_lines=4, elem_id="question", scale=5, submit_btn=False
                )
                ask_button = gr.Button("Ask · 提問", variant="primary", elem_id="ask", scale=1, min_width=90)
            with gr.Accordion("Only some documents or dates · 限定文件或日期", open=False, elem_id="scope"):
                # A custom value: a chosen document deleted since gets the scope's own message.
                docs = gr.Dropdown(
                    [], multiselect=True, allow_custom_value=True, label="Documents · 文件 (none chosen: all)", elem_id="scope-docs"
                )
                with gr.Row():
                    since = gr.Textbox(label="From · 起 (YYYY-MM-DD)", placeholder="2025-01-01", elem_id="scope-since", max_lines=1)
                    until = gr.Textbox(label="To · 迄 (YYYY-MM-DD)", placeholder="2025-12-31", elem_id="scope-until", max_lines=1)
            gr.Examples(EXAMPLES, inputs=question, label="Examples · 範例")
            with gr.Row():
                clear_button = gr.Button("New conversation · 新對話", size="sm", elem_id="clear")
                export_button = gr.Button("Export as Markdown · 匯出", size="sm", elem_id="export")
            exported = gr.Textbox(visible=False, elem_id="exported")
        with gr.Column(scale=2, min_width=300):
            sources = gr.HTML(R.sources_panel([]), elem_id="sources")
            with gr.Accordion("Settings · 設定", open=False, elem_id="settings"):
                model = gr.Dropdown(sorted(available()), value=settings.answer.answer_model, label="Answer model", elem_id="model")
                k = gr.Slider(1, 20, value=settings.retrieval.top_k, step=1, label="Passages", elem_id="k")
                mode = gr.Radio(list(MODES), value=settings.retrieval.retrieval_mode, label="Retrieval", elem_id="mode")
                status = gr.Markdown(index_status_markdown(rag), elem_id="index-status")
    return AskTab(
        chat, notice, question, ask_button, docs, since, until, clear_button, export_button, exported, sources, model, k, mode, status
    )


def build_app(rag: RAG) -> gr.Blocks:
    settings = rag.settings

    def ask(*inputs: Any) -> Iterator[tuple[Any, ...]]:
        yield from ask_turn(rag, *inputs)

    def clear() -> tuple[Any, ...]:
        return R.conversation([]), R.sources_panel([]), "", [], []

    def restore(saved: list[dict]) -> tuple[Any, ...]:
        turns = C.rendered(saved, settings.corpus.corpus_dir)
        return R.conversation(turns), R.sources_panel(turns), turns

    def answer_api(question: str, model: str = "", k: int = 0, mode: str = "") -> dict:
        """Answer a question from the corpus. Returns the answer text, its citations
        (paragraph ids and quoted spans), the retrieved passages and per-sentence support."""
        try:
            answer = rag.ask(question, k or None, model or None, mode or None)
        except RagError as exc:
            raise gr.Error(str(exc)) from exc
        return answer.model_dump()

    # analytics_enabled=False: Gradio would otherwise report usage to its servers.
    # delete_cache: an upload nobody turned into a document (a bare POST to Gradio's upload
    # route) is removed within the hour; the Documents tab removes its own at once.
    with gr.Blocks(title="Cited answers · 有出處的答案", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        turns = gr.State([])
        saved = gr.BrowserState([], storage_key=C.STORAGE_KEY)
        gr.Markdown("## Ask the documents · 問文件\nAnswers cite the exact source paragraphs: click [1] to see the passage.")
        tab = ask_tab(rag)
        refresh_documents, documents_outputs = documents_tab(rag, also=[tab.docs])
        evaluate_tab(rag)
        outputs = [tab.question, tab.chat, tab.sources, tab.notice, turns, saved]
        inputs = [tab.question, turns, saved, tab.model, tab.k, tab.mode, tab.docs, tab.since, tab.until]
        # Both triggers share one concurrency group, so the limit counts them together.
        for trigger in (tab.ask_button.click, tab.question.submit):
            trigger(ask, inputs, outputs, api_visibility="private", concurrency_id="ask", concurrency_limit=settings.serve.ui_concurrency)
        tab.clear_button.click(clear, None, [tab.chat, tab.sources, tab.notice, turns, saved], api_visibility="private")
        tab.export_button.click(C.markdown, saved, tab.exported, api_visibility="private").then(
            None, tab.exported, None, js=C.EXPORT_JS, api_visibility="private"
        )
        demo.load(restore, saved, [tab.chat, tab.sources, turns], api_visibility="private")
        # A reload shows files changed in the folder by other means since the page was built.
        demo.load(lambda: index_status_markdown(rag), None, tab.status, api_visibility="private")
        demo.load(refresh_documents, None, documents_outputs, api_visibility="private")
        gr.api(answer_api, api_name="answer", concurrency_id="ask", concurrency_limit=settings.serve.ui_concurrency)
    return demo


def launch(rag: RAG, host: str | None = None, port: int | None = None, block: bool = True) -> gr.Blocks:
    settings = rag.settings
    host = host or settings.serve.ui_host
    port = settings.serve.ui_port if port is None else port
    auth = None
    if settings.serve.ui_auth is not None:
        user, _, password = settings.serve.ui_auth.get_secret_value().partition(":")
        auth = (user, password)
    if host not in LOOPBACK and auth is None:
        log.warning("Serving on %s without a password: anyone who can reach it can ask. Set RAG_UI_AUTH=user:password.", host)
    try:
        serve_index(rag)  # searchable before the page opens; vectors may follow in the background
    except RagError as exc:  # e.g. an empty corpus: the page still opens, to add documents
        log.warning("warning: %s The page opens without an index; add documents on its Documents tab.", exc)
    warm_up_in_background(rag)  # the question encoder and the answer model, not at the first question
    demo = build_app(rag)
    slots = AnswerSlots(settings.serve.ui_concurrency, SLOT_WAIT_S)  # REST, OpenAI and MCP questions share them
    demo.queue(max_size=settings.serve.ui_queue_size, default_concurrency_limit=settings.serve.ui_concurrency)
    demo.launch(
        server_name=host,
        server_port=port or None,
        prevent_thread_lock=not block,
        quiet=not block,
        show_error=False,
        auth=auth,
        css=R.CSS + DOCUMENTS_CSS,
        footer_links=["api"],
        max_file_size=settings.corpus.max_file_bytes,
        # The REST API's routes come first, on the page's own server (and so its address).
        app_kwargs={
            "middleware": [Middleware(Guard, settings=settings)],
            "routes": [*api_routes(rag, slots), Mount("/mcp", app=McpOverHttp(rag, host, slots))],
        },
    )
    return demo
