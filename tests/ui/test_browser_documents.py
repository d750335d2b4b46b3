"""The Documents tab in headless Chromium against a real server on loopback: upload a PDF
and a DOCX, see them listed and indexed, ask and click the citation, delete one and see
it gone from answers, and read a clear message for each bad upload.

Screenshots go to test-artifacts/browser/ (the README shows one)."""

from __future__ import annotations

import pytest

from tests.conftest import KEY_ANSWER, KEY_QUESTION, ROOT
from tests.ui.test_browser import ARTIFACTS, ask, browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow
DOCX_FACT = "紅杉七號觀測站位於阿爾泰山北麓，建於二〇三一年，由三國共同出資。"
DOCX_QUESTION = "紅杉七號觀測站位於哪裡？"
START_NOTE = "# 說明\n\n這個資料夾收錄中俄蒙關係的分析文章，以及各地觀測站的紀錄。\n"


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A server whose corpus starts with one short note; 2 MB per file at most."""
    from rag.pipeline import RAG
    from rag.ui.web import launch
    from tests.conftest import make_settings

    tmp = tmp_path_factory.mktemp("library")
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "readme.md").write_text(START_NOTE, encoding="utf-8")
    rag = RAG(make_settings(tmp, corpus, max_file_mb=2))
    rag.ensure_index()
    demo = launch(rag, host="127.0.0.1", port=0, block=False)
    demo.corpus = corpus
    yield demo
    demo.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory, seed_pdf):
    from tests.documents import docx_file

    tmp = tmp_path_factory.mktemp("uploads")
    docx = docx_file(tmp / "觀測站紀錄.docx", ["觀測站紀錄", DOCX_FACT])
    return {"pdf": seed_pdf, "docx": docx}


def open_tab(page) -> None:
    page.get_by_role("tab", name="Documents · 文件").click()
    page.locator("#documents-table").wait_for()


def upload(page, payloads) -> str:
    """Drop files on the tab; the message shown once they are handled."""
    before = page.locator("#documents-message").inner_text()
    page.locator("#upload input[type=file]").set_input_files(payloads)
    page.wait_for_function(
        "b => { const m = document.querySelector('#documents-message'); return m && m.innerText !== b && /Added|⚠️/.test(m.innerText); }",
        arg=before,
        timeout=60_000,
    )
    return page.locator("#documents-message").inner_text()


def wait_indexed(page, names: list[str], timeout: int = 300_000) -> None:
    test = " && ".join(f"[...rows].some(r => r.dataset.doc === {n!r} && r.dataset.state === 'indexed')" for n in names)
    page.wait_for_function(
        f"(() => {{ const rows = document.querySelectorAll('#documents-table tr[data-doc]'); return {test}; }})()", timeout=timeout
    )


def test_upload_list_ask_cite_delete(browser, library, files):  # noqa: F811 - pytest fixture
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(library.local_url)
    open_tab(page)
    message = upload(page, [str(files["pdf"]), str(files["docx"])])
    assert "article.pdf" in message and "觀測站紀錄.docx" in message, message
    wait_indexed(page, ["article.pdf", "觀測站紀錄.docx"])
    table = page.locator("#documents-table")
    pdf_row = table.locator('tr[data-doc="article.pdf"]').inner_text()
    assert "pdf" in pdf_row and "indexed" in pdf_row
    assert (library.corpus / "article.pdf").read_bytes() == files["pdf"].read_bytes()
    page.screenshot(path=str(ARTIFACTS / "8-documents-tab.png"), full_page=True)

    page.get_by_role("tab", name="Ask · 提問").click()
    ask(page, KEY_QUESTION)
    cite = page.locator("#answer-1 button.cite").first
    cite.wait_for(timeout=60_000)
    assert KEY_ANSWER in page.locator("#answer-1").inner_text()
    cite.click()
    card = page.locator(f"#src-1-{cite.get_attribute('data-key')}")
    page.wait_for_function(f"document.getElementById('src-1-{cite.get_attribute('data-key')}').classList.contains('active')")
    assert "article.pdf" in card.inner_text()
    ask(page, DOCX_QUESTION)
    page.locator("#answer-2 button.cite").first.wait_for(timeout=60_000)
    assert "阿爾泰山" in page.locator("#answer-2").inner_text()

    open_tab(page)
    page.locator("#delete-choice input").first.click()
    page.get_by_role("option", name="article.pdf", exact=True).click()
    page.locator("#delete").click()
    page.wait_for_function(
        "(() => { const rows = [...document.querySelectorAll('#documents-table tr[data-doc]')];"
        " return !rows.some(r => r.dataset.doc === 'article.pdf') && rows.every(r => r.dataset.state === 'indexed'); })()",
        timeout=300_000,
    )
    assert not (library.corpus / "article.pdf").exists()
    page.get_by_role("tab", name="Ask · 提問").click()
    ask(page, KEY_QUESTION)
    page.locator("#answer-3 .answer-text").wait_for(timeout=60_000)
    assert KEY_ANSWER not in page.locator("#answer-3").inner_text()
    assert "article.pdf" not in page.locator("#sources").inner_text().split("第 3 題")[0]
    page.close()


def test_bad_uploads_each_get_a_clear_message(browser, library, files, tmp_path):  # noqa: F811 - pytest fixture
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(library.local_url)
    open_tab(page)
    cases = [
        ({"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00" + b"\0" * 64}, "not a format"),
        ({"name": "report.pdf", "mimeType": "application/pdf", "buffer": b"just text, not a PDF"}, "not a PDF"),
        ({"name": "readme.md", "mimeType": "text/markdown", "buffer": START_NOTE.encode()}, "already in the corpus"),
    ]
    for payload, expected in cases:
        message = upload(page, [payload])
        assert expected in message, (payload["name"], message)
        assert "Traceback" not in message
    # Too large: the browser refuses it before sending, in a notice naming the limit the drop zone shows.
    assert "up to 2 MB each" in page.locator("#upload").inner_text()
    big = {"name": "big.md", "mimeType": "text/markdown", "buffer": ("大" * 10**6).encode()}
    page.locator("#upload input[type=file]").set_input_files([big])
    toast = page.locator(".toast-body").first
    toast.wait_for(timeout=10_000)
    assert "maximum allowed size" in toast.inner_text() and "big.md" in toast.inner_text()
    assert not (library.corpus / "big.md").exists()
    page.screenshot(path=str(ARTIFACTS / "9-bad-uploads.png"), full_page=True)
    odd = {"name": "..\u0007報告\u202e.md", "mimeType": "text/markdown", "buffer": "# 奇怪的名字\n\n名稱奇怪的文件也能加入。\n".encode()}
    message = upload(page, [odd])
    assert "Added" in message, message
    saved = [p.name for p in library.corpus.iterdir() if "報告" in p.name]
    assert len(saved) == 1 and not saved[0].startswith(".") and "\u0007" not in saved[0], saved
    assert all(p.parent == library.corpus for p in library.corpus.rglob("*報告*"))
    assert not list((ROOT / "tests").rglob("*報告*.md"))
    page.close()
