"""The real page in headless Chromium (Debian's chromium, driven by Playwright).

Screenshots go to test-artifacts/browser/. `.ci/run` installs the browser; on a
machine without it these tests are skipped, except under CI=true where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import KEY_QUESTION, ROOT, SEED_DOC

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it (apt-get install chromium chromium-driver)")
        pytest.skip("chromium is not installed (apt-get install chromium chromium-driver)")
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def ask(page, question: str) -> None:
    box = page.locator("#question textarea, #question input").first
    box.fill(question)
    box.press("Enter")


def test_question_answer_citation_click_highlights_the_source(browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.local_url)
    ask(page, KEY_QUESTION)
    first_cite = page.locator("#conversation #answer-1 button.cite").first
    first_cite.wait_for(timeout=60_000)
    assert "500億立方公尺" in page.locator("#answer-1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "1-answer.png"), full_page=True)

    key = first_cite.get_attribute("data-key")
    first_cite.click()
    card = page.locator(f"#src-1-{key}")
    page.wait_for_function(f"document.getElementById('src-1-{key}').classList.contains('active')", timeout=5_000)
    assert card.evaluate("el => el.open")
    marks = card.locator("mark.support")
    assert marks.first.is_visible()
    assert any("500億立方公尺" in text for text in marks.all_inner_texts())
    assert f"{SEED_DOC}#p8" in card.locator("summary").inner_text()
    assert card.locator(".channel").inner_text() in {"lexical + dense", "dense", "lexical"}
    page.screenshot(path=str(ARTIFACTS / "2-citation-clicked.png"), full_page=True)

    # A second question keeps the first in the history; the first one's sources fold away.
    ask(page, "What is Mongolia's Third Neighbor Policy?")
    page.locator("#answer-2 .answer-text").wait_for(timeout=60_000)
    assert page.locator("#conversation .turn").count() == 2
    assert page.locator('#sources details.turn-sources[data-turn="1"]').count() == 1
    assert page.locator("#sources h3").inner_text() == "Sources"  # follows the question's language
    page.screenshot(path=str(ARTIFACTS / "3-history.png"), full_page=True)
    page.close()


def test_empty_question_gets_a_message_not_a_trace(browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.local_url)
    page.locator("#question textarea, #question input").first.wait_for()
    page.locator("#ask").click()
    notice = page.locator("#notice")
    page.wait_for_function("document.querySelector('#notice').innerText.includes('empty')", timeout=30_000)
    assert "Traceback" not in notice.inner_text()
    assert page.locator("#conversation .turn").count() == 0
    page.screenshot(path=str(ARTIFACTS / "4-empty-question.png"), full_page=True)
    page.close()


def test_phone_width_page_fits_and_answers_in_simplified(browser, served):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    page.goto(served.local_url)
    ask(page, "西伯利亚力量2号管道每年最多可输送多少天然气？")
    page.locator("#answer-1 button.cite").first.wait_for(timeout=60_000)
    assert "500億立方公尺" in page.locator("#answer-1").inner_text()
    assert page.locator("#sources h3").inner_text() == "资料来源"
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than a phone screen"
    page.screenshot(path=str(ARTIFACTS / "5-phone.png"), full_page=True)
    page.close()


def test_local_model_answer_streams_into_the_page(browser, served):
    """Choose the local model in the settings: tokens appear before the verified answer."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.local_url)
    page.locator("#settings").click()
    dropdown = page.locator("#model input").first
    dropdown.click()
    page.get_by_role("option", name="local", exact=True).click()
    ask(page, KEY_QUESTION)
    # Something true to read at once: the sources' own sentence, while the model reads its prompt.
    quote = page.locator("#conversation .instant blockquote")
    quote.wait_for(timeout=30_000)
    assert "500億立方公尺" in quote.inner_text()
    page.screenshot(path=str(ARTIFACTS / "6-instant-quote.png"), full_page=True)
    page.wait_for_function(
        "(() => { const s = document.querySelector('#conversation .streaming');"
        " return s && /[\\u4e00-\\u9fff]/.test(s.innerText.replace('正在回答', '')); })()",
        timeout=300_000,
    )
    page.screenshot(path=str(ARTIFACTS / "6-streaming.png"), full_page=True)
    page.locator("#answer-1 button.cite").first.wait_for(timeout=300_000)
    assert page.locator("#conversation .streaming").count() == 0
    assert "500億立方公尺" in page.locator("#answer-1").inner_text()
    page.screenshot(path=str(ARTIFACTS / "7-local-answer.png"), full_page=True)
    page.close()


@pytest.fixture(scope="module")
def served_pdf(tmp_path_factory, seed_pdf):
    """The web app over a corpus holding only the seed article printed to PDF."""
    from rag.pipeline import RAG
    from rag.ui.web import launch
    from tests.conftest import make_settings

    tmp = tmp_path_factory.mktemp("pdf-site")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(seed_pdf, corpus / "article.pdf")
    rag = RAG(make_settings(tmp, corpus))
    rag.ensure_index()
    demo = launch(rag, host="127.0.0.1", port=0, block=False)
    demo.corpus_pdf = str(corpus / "article.pdf")
    yield demo
    demo.close()


def test_a_pdf_citation_shows_its_page_and_a_picture_of_it(browser, served_pdf):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served_pdf.local_url)
    ask(page, KEY_QUESTION)
    page.locator("#answer-1 button.cite").first.wait_for(timeout=60_000)
    assert "500億立方公尺" in page.locator("#answer-1").inner_text()
    card = page.locator("#sources details.source.cited").first
    from rag.corpus.readers import ReadOptions
    from rag.corpus.readers.pdf import PdfReader

    pdf = Path(served_pdf.corpus_pdf)
    key_page = next(b.page for b in PdfReader().read(pdf.read_bytes(), ReadOptions()).blocks if "500億立方公尺" in b.text)
    assert "article.pdf" in card.inner_text() and f"第 {key_page} 頁" in card.locator(".meta").inner_text()
    picture = card.locator("figure.page-picture img")
    picture.scroll_into_view_if_needed()
    loaded = "(() => { const i = document.querySelector('figure.page-picture img'); return i && i.complete && i.naturalWidth > 500; })()"
    page.wait_for_function(loaded, timeout=10_000)
    assert picture.is_visible()
    page.screenshot(path=str(ARTIFACTS / "6-pdf-page-picture.png"), full_page=True)
    page.close()


def test_a_list_answer_is_a_list_with_citations_on_each_item(browser, served):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    page.goto(served.local_url)
    ask(page, "中俄蒙三國的合作有哪些項目？")
    items = page.locator("#answer-1 ul.answer-list li")
    items.first.wait_for(timeout=60_000)
    assert items.count() >= 2
    for i in range(items.count()):
        assert items.nth(i).locator("button.cite").count() >= 1
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than a phone screen"
    page.screenshot(path=str(ARTIFACTS / "10-list-answer.png"), full_page=True)
    page.close()


def test_the_documents_tab_shows_a_documents_summary_with_where_each_sentence_is(browser, served):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.local_url)
    page.get_by_role("tab", name="Documents · 文件").click()
    page.locator("#summary-box").click()
    choice = page.locator("#summary-choice input").first
    choice.click()
    page.get_by_role("option", name=SEED_DOC).click()
    page.wait_for_function("document.querySelector('#document-summary').innerText.includes('¶')", timeout=30_000)
    text = page.locator("#document-summary").inner_text()
    assert f"{SEED_DOC} ¶" in text
    assert "邊防合作2025" in text
    page.screenshot(path=str(ARTIFACTS / "11-document-summary.png"), full_page=True)
    page.close()
