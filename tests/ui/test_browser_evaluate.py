"""The Evaluate tab in headless Chromium against the seed server: make questions from the
library, run the evaluation, and read the report with its plots, on a desktop and a phone."""

from __future__ import annotations

import base64

import pytest

from tests.ui.test_browser import ARTIFACTS, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow


def test_make_questions_run_and_read_the_report(browser, served):  # noqa: F811
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served.local_url)
    page.get_by_role("tab", name="Evaluate · 評測").click()
    page.locator("#eval-n input").fill("6")
    page.locator("#eval-make").click()
    page.wait_for_function("(document.querySelector('#eval-note') || {}).innerText?.includes('Made')", timeout=120_000)
    table = page.locator("#eval-table").inner_text()
    assert table.count("？") >= 3, table
    page.screenshot(path=str(ARTIFACTS / "evaluate-1-questions.png"), full_page=True)

    page.locator("#eval-run").click()
    page.wait_for_function("/recall@1|⚠️/.test((document.querySelector('#eval-summary') || {}).innerText)", timeout=300_000)
    summary = page.locator("#eval-summary").inner_text()
    assert "6 questions" in summary and "recall@1" in summary
    frame = page.frame_locator("#eval-report iframe")
    assert frame.locator("svg").first.is_visible()
    assert "The worst questions" in frame.locator("body").inner_text()
    href = page.locator("#eval-download a").first.get_attribute("href")
    assert href.startswith("data:text/html;base64,")  # the page itself: the server hands out no files
    assert "<svg" in base64.b64decode(href.split(",", 1)[1]).decode("utf-8")
    page.screenshot(path=str(ARTIFACTS / "evaluate-2-report.png"), full_page=True)
    page.close()


def test_the_tab_fits_a_phone(browser, served):  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, device_scale_factor=2)
    page.goto(served.local_url)
    page.get_by_role("button", name="More tabs").click()  # a phone's tab bar shows the first tabs only
    page.locator("button:not([tabindex='-1'])", has_text="Evaluate · 評測").last.click()
    page.locator("#eval-make").wait_for()
    page.screenshot(path=str(ARTIFACTS / "evaluate-3-phone.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"page is {overflow}px wider than a phone screen"
    page.close()
