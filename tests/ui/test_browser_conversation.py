"""Conversations in headless Chromium against a real server: follow-ups answered right
and cited with the rewritten question shown, the conversation kept over a reload and
exported as Markdown, and questions limited to a document or to dates."""

from __future__ import annotations

import pytest

from tests.conftest import KEY_ANSWER, KEY_QUESTION, SEED_DOC
from tests.ui.test_browser import ARTIFACTS, ask, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow
OTHER = "date 2024-03-01\n\n# 臺北捷運\n\n臺北捷運文湖線全長25.1公里，每日運量約22萬人次。\n"
TURNS = [
    ("「邊防合作2025」聯合演練在哪幾天舉行？", "9月8日", False),
    ("這是三方第幾次舉行類似演訓？", "首度", True),
    ("它的主題是什麼？", "聯合防範打擊邊境地區恐怖破壞活動", True),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from rag.ui.web import launch
    from tests.conftest import seeds_and

    rag = seeds_and(tmp_path_factory.mktemp("conversation"), {"metro.md": OTHER})
    demo = launch(rag, host="127.0.0.1", port=0, block=False)
    yield demo
    demo.close()


def wait_answer(page, n: int) -> str:
    page.locator(f"#answer-{n} button.cite").first.wait_for(timeout=60_000)
    return page.locator(f"#turn-{n}").inner_text()


def test_three_turns_reload_export_and_clear(browser, site):  # noqa: F811 - pytest fixture
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(site.local_url)
    for n, (question, expected, follow_up) in enumerate(TURNS, 1):
        ask(page, question)
        shown = wait_answer(page, n)
        assert expected in page.locator(f"#answer-{n}").inner_text(), (question, shown)
        rewrite = page.locator(f"#turn-{n} .standalone")
        assert rewrite.count() == int(follow_up)
        if follow_up:
            assert "邊防" in rewrite.inner_text() and question in rewrite.inner_text()
    page.screenshot(path=str(ARTIFACTS / "10-follow-ups.png"), full_page=True)

    page.reload()
    page.locator("#turn-3").wait_for(timeout=30_000)
    assert page.locator("#conversation .turn").count() == 3
    assert "首度" in page.locator("#answer-2").inner_text() and page.locator("#turn-2 .standalone").count() == 1
    page.locator("#answer-3 button.cite").first.click()
    assert page.locator("#sources details.source.active").count() == 1

    with page.expect_download(timeout=30_000) as download:
        page.locator("#export").click()
    markdown = download.value.path().read_text(encoding="utf-8")
    for question, expected, _ in TURNS:
        assert f". {question}" in markdown and expected in markdown
    assert "[1] **" in markdown and "\n> " in markdown and "改寫為" in markdown and SEED_DOC in markdown

    page.locator("#clear").click()
    page.wait_for_function("document.querySelectorAll('#conversation .turn').length === 0", timeout=10_000)
    page.reload()
    page.locator("#question textarea, #question input").first.wait_for()
    page.wait_for_timeout(1500)  # the saved conversation would be restored by now
    assert page.locator("#conversation .turn").count() == 0
    context.close()


def cards_of_newest(page) -> list[str]:
    return page.locator("#sources .turn-sources").first.locator("details.source").all_inner_texts()


def test_a_scoped_question_cites_only_its_scope(browser, site):  # noqa: F811 - pytest fixture
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(site.local_url)
    page.locator("#scope").click()
    page.locator("#scope-docs input").first.click()
    page.get_by_role("option", name="metro.md", exact=True).click()
    page.keyboard.press("Escape")
    ask(page, "文湖線全長多少公里？")
    wait_answer(page, 1)
    assert "25.1公里" in page.locator("#answer-1").inner_text()
    ask(page, KEY_QUESTION)  # about the other document: every passage still comes from the scope
    page.locator("#answer-2 .answer-text").wait_for(timeout=60_000)
    cards = cards_of_newest(page)
    assert cards and all("metro.md" in t for t in cards) and KEY_ANSWER not in page.locator("#answer-2").inner_text()
    page.screenshot(path=str(ARTIFACTS / "11-scoped.png"), full_page=True)

    # Dates instead of documents: only the seed article (2025-09-14) is dated in 2025.
    page.locator("#clear").click()
    page.locator("#scope-docs .token-remove, #scope-docs button[aria-label*='emove']").first.click()
    page.locator("#scope-since input, #scope-since textarea").first.fill("2025-01-01")
    page.locator("#scope-until input, #scope-until textarea").first.fill("2025-12-31")
    ask(page, KEY_QUESTION)
    wait_answer(page, 1)
    assert KEY_ANSWER in page.locator("#answer-1").inner_text()
    assert all(SEED_DOC in t for t in cards_of_newest(page))
    page.locator("#scope-until input, #scope-until textarea").first.fill("2024-06-30")  # before since: an empty range
    ask(page, "文湖線全長多少公里？")
    page.wait_for_function("document.querySelector('#notice').innerText.includes('range is empty')", timeout=30_000)
    page.locator("#scope-since input, #scope-since textarea").first.fill("2026-01-01")
    page.locator("#scope-until input, #scope-until textarea").first.fill("")
    ask(page, "文湖線全長多少公里？")
    page.wait_for_function("document.querySelector('#notice').innerText.includes('scope')", timeout=30_000)
    assert "2026-01-01" in page.locator("#notice").inner_text()
    page.close()
