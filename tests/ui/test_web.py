"""The page's HTML (no browser), its gradio_client API, and its queue under load."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from rag.types import Answer, Citation, Passage, SentenceSupport
from rag.ui import render as R
from tests.conftest import KEY_QUESTION, SEED_DOC


def passage(rank: int, text: str = "前文<b>。答案在此。後文", start: int = 10, found_by=("dense", "lexical")) -> Passage:
    return Passage(
        paragraph_id=f"d#p{rank}",
        doc_id="d",
        score=0.9,
        text=text,
        start=start,
        end=start + len(text),
        match_start=start,
        match_end=start + len(text),
        rank=rank,
        found_by=list(found_by),
    )


def test_source_card_marks_the_cited_span_and_escapes_html():
    p = passage(1)
    cite = Citation(key=1, paragraph_id="d#p1", text="答案在此。", start=10 + 6, end=10 + 11)
    html = R.source_cards(3, Answer(question="q", text="答案在此。 [1]", citations=[cite], passages=[p]), "zh-Hant")
    assert '<mark class="support">答案在此。</mark>' in html
    assert "&lt;b&gt;" in html and "<b>。" not in html
    assert 'id="src-3-1"' in html and "lexical + dense" in html and " open" in html


def test_source_card_shows_the_page_the_ocr_mark_and_the_page_picture():
    p = passage(1).model_copy(update={"doc_id": "scan.pdf", "page": 2, "ocr": True})
    answer = Answer(question="q", text="答案在此。 [1]", passages=[p])
    html = R.source_cards(1, answer, "zh-Hant", {1: "data:image/jpeg;base64,AAAA"})
    assert "第 2 頁" in html and '<span class="ocr"' in html
    assert '<img src="data:image/jpeg;base64,AAAA" alt="引用所在的頁面，引文已標示"' in html
    plain = R.source_cards(1, Answer(question="q", text="", passages=[passage(1)]), "en")
    assert "page " not in plain and "<img" not in plain and 'class="ocr"' not in plain


def test_channel_badge_says_which_channel_found_the_passage():
    answer = Answer(question="q", text="", passages=[passage(1, found_by=["lexical"]), passage(2, found_by=["dense"])])
    html = R.source_cards(1, answer, "en")
    assert re.search(r'id="src-1-1".*?class="channel lexical">lexical<', html)
    assert re.search(r'id="src-1-2".*?class="channel dense">dense<', html)


def test_markers_become_buttons_pointing_at_their_turn_and_key():
    cited = [Citation(key=k, paragraph_id=f"d.txt#p{k}", text="答案", start=0, end=2) for k in (1, 2)]
    answer = Answer(question="q", text="答案在此。 [1]答案<script>。 [2]", passages=[passage(1), passage(2)], citations=cited)
    html = R.answer_html(4, answer, "zh-Hant")
    assert html.count('class="cite"') == 2
    assert 'data-turn="4" data-key="2"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_unsupported_sentences_are_marked_with_their_reason():
    sentences = [
        SentenceSupport(text="管道每年輸送500億立方公尺。", cited=[1], keys=[1], supported=True),
        SentenceSupport(text="管道長達9000公里。", cited=[1], keys=[], supported=False, reason="number(s) 9,000 not in [1]"),
    ]
    answer = Answer(question="q", text="…", passages=[passage(1)], sentences=sentences, model="local")
    html = R.answer_html(1, answer, "zh-Hant")
    assert re.search(r'<span class="unsupported" title="[^"]*9,000 not in \[1\]">管道長達9000公里。</span>', html)
    assert html.index("500億") < html.index('data-key="1"') < html.index("9000")


def test_a_refused_draft_is_shown_folded_not_as_the_answer():
    sentences = [SentenceSupport(text="蒙古有火箭。", cited=[1], keys=[], supported=False, reason="'火箭' not in [1]")]
    answer = Answer(question="q", text="資料中找不到這個問題的答案。", abstained=True, passages=[passage(1)], sentences=sentences)
    html = R.answer_html(1, answer, "zh-Hant")
    assert 'class="answer-text abstained"' in html and '<details class="draft">' in html and "蒙古有火箭" in html


def test_a_sentence_that_strays_from_the_question_is_folded_away_from_the_answer():
    sentences = [
        SentenceSupport(text="管道每年輸送500億立方公尺。", cited=[1], keys=[1], supported=True),
        SentenceSupport(text="秦嶺是交通的阻礙。", cited=[2], keys=[2], supported=True, about_question=False, reason="left out: further"),
    ]
    answer = Answer(question="q", text="…", passages=[passage(1), passage(2)], sentences=sentences, model="local")
    html = R.answer_html(1, answer, "zh-Hant")
    body, folded = html.split('<details class="draft">')
    assert "500億" in body and "秦嶺" not in body and 'data-key="2"' not in body
    assert "與問題無關" in folded and '<li class="stray" title="left out: further">秦嶺是交通的阻礙。</li>' in folded


def test_older_turns_keep_their_sources_folded():
    turns = [{"n": i, "language": "en", "html": "", "cards": f"<i>cards {i}</i>"} for i in (1, 2)]
    html = R.sources_panel(turns)
    assert html.index("cards 2") < html.index("cards 1")
    assert '<details class="turn-sources" data-turn="1">' in html


@pytest.mark.slow
def test_gradio_client_gets_an_answer_with_citations(served):
    from gradio_client import Client

    client = Client(served.local_url, verbose=False)
    result = client.predict(KEY_QUESTION, api_name="/answer")
    assert "500億立方公尺" in result["text"]
    assert any(c["paragraph_id"] == f"{SEED_DOC}#p8" and "500億" in c["text"] for c in result["citations"])
    assert result["passages"][0]["found_by"]
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/answer")
    with pytest.raises(Exception, match="Unknown answer model"):
        client.predict(KEY_QUESTION, model="nope", api_name="/answer")


QUESTIONS = {  # question -> a string its answer must contain (each from a different paragraph)
    KEY_QUESTION: "500億立方公尺",
    "蒙古國每年可以獲得多少能源過境費收入？": "10億美元",
    "「邊防合作2025」聯合演練在哪幾天舉行？": "9月8日",
    "蒙古国每年能获得多少能源过境费？": "10億美元",
    "西伯利亚力量2号管道每年最多可输送多少天然气？": "500億立方公尺",
}


@pytest.mark.slow
def test_eight_concurrent_clients_each_get_their_own_answer(served, seed_rag):
    from gradio_client import Client

    jobs = [q for q in QUESTIONS for _ in range(2)][:8]
    assert len(jobs) >= 8
    config = served.config
    assert served._queue.max_size == seed_rag.settings.serve.ui_queue_size  # configured, not left at the default
    assert any(d.get("api_name") == "answer" for d in config["dependencies"])

    def one(question: str) -> tuple[str, str]:
        return question, Client(served.local_url, verbose=False).predict(question, api_name="/answer")["text"]

    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(one, jobs))
    for question, text in results:
        assert QUESTIONS[question] in text, (question, text)


def test_model_error_shows_the_error_and_still_the_sources():
    answer = Answer(question="q", text="", passages=[passage(1), passage(2)], model="local", error="The local model timed out.")
    html = R.answer_html(1, answer, "en")
    assert 'class="error"' in html and "timed out" in html and "here is what retrieval found" in html
    assert R.source_cards(1, answer, "en").count('class="source"') == 2
