"""The Gradio page: ask a question, read the answer, see the cited paragraphs."""

from __future__ import annotations

import html
import logging

import gradio as gr

from rag.errors import RagError
from rag.pipeline import RAG
from rag.types import Answer

log = logging.getLogger("rag")

EXAMPLES = [
    "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
    "蒙古国每年能获得多少能源过境费？",
    "What is Mongolia's Third Neighbor Policy?",
]


def render_sources(answer: Answer) -> str:
    """Cited paragraphs first, with the quoted span marked; then the other passages."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for c in answer.citations:
        spans.setdefault(c.paragraph_id, []).append((c.start, c.end))
    blocks = []
    for p in answer.passages:
        text, cursor, out = p.text, 0, []
        for start, end in sorted(spans.get(p.paragraph_id, [])):
            a, b = start - p.start, end - p.start
            out.append(html.escape(text[cursor:a]))
            out.append(f"<mark>{html.escape(text[a:b])}</mark>")
            cursor = b
        out.append(html.escape(text[cursor:]))
        cited = "cited" if p.paragraph_id in spans else ""
        heading = f" · {html.escape(p.heading)}" if p.heading else ""
        blocks.append(
            f'<div class="source {cited}" id="source-{p.rank}"><b>[{p.rank}]</b> '
            f"<code>{html.escape(p.paragraph_id)}</code>{heading} · score {p.score:.3f}"
            f"<p>{''.join(out)}</p></div>"
        )
    return "\n".join(blocks)


def build_app(rag: RAG) -> gr.Blocks:
    def answer_question(question: str) -> tuple[str, str]:
        try:
            answer = rag.ask(question)
        except RagError as exc:
            return f"⚠️ {exc}", ""
        return answer.text, render_sources(answer)

    with gr.Blocks(title="Cited answers") as demo:
        gr.Markdown("## Ask the documents\nAnswers quote the corpus and cite paragraphs as [1], [2]…")
        question = gr.Textbox(label="Question", placeholder=EXAMPLES[0], lines=1, max_lines=4, elem_id="question")
        ask = gr.Button("Ask", variant="primary", elem_id="ask")
        answer = gr.Markdown(elem_id="answer")
        sources = gr.HTML(elem_id="sources")
        gr.Examples(EXAMPLES, inputs=question)
        ask.click(answer_question, inputs=question, outputs=[answer, sources], api_name="ask")
        question.submit(answer_question, inputs=question, outputs=[answer, sources], api_visibility="private")
    return demo


def launch(rag: RAG, host: str = "127.0.0.1", port: int = 7860) -> None:
    rag.ensure_index()  # build before the page opens, not on the first question
    build_app(rag).queue().launch(server_name=host, server_port=port, show_error=False)
