from __future__ import annotations

import pytest

from rag.types import Answer, Citation, Passage
from rag.web import build_app, render_sources
from tests.conftest import KEY_QUESTION, SEED_DOC


def test_sources_mark_the_cited_span_and_escape_html():
    passage = Passage(
        paragraph_id="d#p1", doc_id="d", score=0.9, text="前文<b>。答案在此。後文", start=10, end=22, match_start=10, match_end=22, rank=1
    )
    cite = Citation(key=1, paragraph_id="d#p1", text="答案在此。", start=10 + 6, end=10 + 11)
    html = render_sources(Answer(question="q", text="答案在此。 [1]", citations=[cite], passages=[passage]))
    assert "<mark>答案在此。</mark>" in html
    assert "&lt;b&gt;" in html and "<b>。" not in html


@pytest.mark.slow
def test_page_answers_over_the_gradio_api(seed_rag):
    from gradio_client import Client

    demo = build_app(seed_rag)
    demo.queue().launch(server_name="127.0.0.1", server_port=None, prevent_thread_lock=True, quiet=True)
    try:
        client = Client(demo.local_url, verbose=False)
        answer, sources = client.predict(KEY_QUESTION, api_name="/ask")
        assert "500億立方公尺" in answer and "[1]" in answer
        assert f"{SEED_DOC}#p8" in sources and "<mark>" in sources
        message, _ = client.predict("   ", api_name="/ask")
        assert "empty" in message
    finally:
        demo.close()
