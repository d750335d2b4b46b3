"""Offline, proven: `rag index` (OCR of a scanned page included), `rag ask` (extractive and
local) and `rag serve` with a question asked through the page reach no address but loopback. Each command runs under
strace (tests/network_audit.py), which records every connect/sendto of every thread and
child process; the browser's own requests are recorded by Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import httpx
import pytest

from tests.conftest import KEY_QUESTION, SEEDS
from tests.documents import page_png
from tests.network_audit import STRACE, outside, reached, run_traced, traced

RAG = str(Path(sys.executable).with_name("rag"))


def test_the_audit_tells_loopback_from_everything_else():
    """Guards the guard: a log naming an outside address (or a DNS server) must be caught."""
    log = "\n".join(
        [
            '12 connect(3, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
            '12 connect(4, {sa_family=AF_INET6, sin6_port=htons(80), inet_pton(AF_INET6, "::1", &sin6_addr)}, 28) = 0',
            '13 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("93.184.216.34")}, 16) = -1 ENETUNREACH',
            '13 sendto(6, "..."..., 40, 0, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.0.0.2")}, 16) = 40',
            '14 connect(7, {sa_family=AF_INET6, inet_pton(AF_INET6, "::ffff:127.0.0.1", &sin6_addr)}, 28) = 0',
        ]
    )
    assert outside(reached(log)) == ["10.0.0.2", "93.184.216.34"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, seed_pdf):
    if not STRACE:
        if os.environ.get("CI"):
            pytest.fail("strace is not installed; .ci/run should have installed it")
        pytest.skip("strace is not installed (apt-get install strace)")
    root = tmp_path_factory.mktemp("offline")
    shutil.copytree(SEEDS, root / "corpus")
    # A scanned page: indexing it runs the OCR models, which must come from the wheel too.
    page_png(seed_pdf, 1, root / "corpus" / "scanned-page.png", dpi=200)
    return root


def _env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "GRADIO_", "RAG_"))}
    # No offline variables from outside: the code itself must keep everything local.
    env.update(RAG_CORPUS_DIR=str(root / "corpus"), RAG_INDEX_DIR=str(root / "index"), **extra)
    return env


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,args,extra",
    [
        ("index", ["index", "--rebuild"], {}),
        ("ask-extractive", ["ask", "--json", KEY_QUESTION], {}),
        ("ask-local", ["ask", "--json", "-m", "local", KEY_QUESTION], {"RAG_LOCAL_MODEL": "qwen-0.5b-q4", "RAG_LLM_MAX_TOKENS": "32"}),
    ],
)
def test_commands_reach_no_address_but_loopback(corpus, name, args, extra):
    log = corpus / f"{name}.strace"
    done = run_traced([RAG, *args], log, timeout=900, env=_env(corpus, **extra))
    assert done.returncode == 0, done.stderr[-2000:]
    assert outside(reached(log.read_text())) == [], f"{name} tried to reach outside addresses"
    if name == "index":
        assert "scanned-page.png: read by OCR" in done.stderr, done.stderr[-2000:]
    if name.startswith("ask"):
        assert '"abstained"' in done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_serve_and_a_question_through_the_page_reach_no_address_but_loopback(corpus):
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        pytest.fail("chromium is not installed") if os.environ.get("CI") else pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.ui.test_browser import CHROMIUM_ARGS

    port = _free_port()
    log = corpus / "serve.strace"
    server = subprocess.Popen(
        traced([RAG, "serve", "--port", str(port)], log),
        env=_env(corpus),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("rag serve did not start")
        requests: list[str] = []
        with sync_api.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url)
            box = page.locator("#question textarea, #question input").first
            box.fill(KEY_QUESTION)
            box.press("Enter")
            page.locator("#answer-1 button.cite").first.wait_for(timeout=120_000)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # strace and the server with it
        server.wait(timeout=60)
    addresses = reached(log.read_text())
    assert "127.0.0.1" in addresses, "the audit saw none of the server's own loopback connections"
    assert outside(addresses) == [], "rag serve tried to reach outside addresses"
    assert {urllib.parse.urlparse(u).hostname for u in requests} == {"127.0.0.1"}, "the page loaded something from elsewhere"
