"""The HTML report opens offline: loaded from a file in headless Chromium with every network
request refused, its plots draw and nothing is asked of the network."""

from __future__ import annotations

import json

import pytest

from rag.eval.compare import render_comparison
from rag.eval.report_html import render_report
from tests.conftest import ROOT
from tests.ui.test_browser import ARTIFACTS, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow
RESULTS = ROOT / "bench" / "results"


@pytest.mark.parametrize("kind", ["report", "comparison"])
def test_the_report_opens_with_the_network_off(browser, tmp_path, kind):  # noqa: F811
    before = json.loads((RESULTS / "quotable-drcd-2074-before.json").read_text(encoding="utf-8"))
    after = json.loads((RESULTS / "quotable-drcd-2074-after.json").read_text(encoding="utf-8"))
    page_html = render_report(after, "DRCD dev") if kind == "report" else render_comparison(before, after, ("before", "after"))
    path = tmp_path / f"{kind}.html"
    path.write_text(page_html, encoding="utf-8")

    context = browser.new_context(offline=True)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    page = context.new_page()
    page.goto(path.as_uri())
    svg = page.locator("svg").first
    svg.wait_for(timeout=10_000)
    box = svg.bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 100  # drawn, not an empty frame
    assert page.locator("svg").count() >= (3 if kind == "report" else 1)
    assert [url for url in asked if not url.startswith("file:")] == []
    page.screenshot(path=str(ARTIFACTS / f"offline-{kind}.png"), full_page=True)
    context.close()
