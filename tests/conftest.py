"""Shared fixtures: the real default embedding model, loaded once per session, and an
index of the seed corpus built once into a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_DOC = "000_4d695214e84dccad.txt"
KEY_QUESTION = "西伯利亞力量2號管道每年最多可輸送多少天然氣？"
KEY_ANSWER = "500億立方公尺"


def run_cli(seed_rag, *args, input_env=None) -> subprocess.CompletedProcess:
    """`rag ARGS` in a new process, on ``seed_rag``'s corpus and index."""
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(seed_rag.settings.corpus.corpus_dir),
        "RAG_INDEX_DIR": str(seed_rag.settings.index.index_dir),
        **(input_env or {}),
    }
    return subprocess.run([sys.executable, "-m", "rag.ui.cli", *args], env=env, capture_output=True, text=True, timeout=300)


def make_settings(tmp: Path, corpus: Path | None = None, **extra) -> Settings:
    return Settings(corpus_dir=corpus or SEEDS, index_dir=tmp / "index", **extra)


def seeds_and(tmp: Path, files: dict[str, str]):
    """A RAG over a copy of seeds/ plus ``files`` (name -> text), its index built (real model)."""
    from rag.pipeline import RAG

    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    for name, text in files.items():
        (corpus / name).write_text(text, encoding="utf-8")
    rag = RAG(make_settings(tmp, corpus))
    rag.ensure_index()
    return rag


@pytest.fixture(scope="session")
def seed_rag(tmp_path_factory):
    """A RAG over a copy of seeds/ with its index built (real model)."""
    from rag.pipeline import RAG

    tmp = tmp_path_factory.mktemp("seed")
    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp, corpus))
    rag.ensure_index()
    return rag


@pytest.fixture(scope="session")
def seed_pdf(tmp_path_factory) -> Path:
    """The seed article printed to PDF by headless Chromium, header and footer included."""
    from tests.documents import article_html, print_pdf

    return print_pdf(article_html(), tmp_path_factory.mktemp("seed-pdf") / "article.pdf")


@pytest.fixture(scope="session")
def seed_scan(seed_pdf) -> Path:
    """That PDF as a scanner makes it: page images at 300 dpi, no text layer."""
    from tests.documents import scan_pdf

    return scan_pdf(seed_pdf, seed_pdf.parent / "scan.pdf", dpi=300)


@pytest.fixture(scope="session")
def served(seed_rag):
    """The web app on a free loopback port, with the same queue settings as `rag serve`."""
    from rag.ui.web import launch

    demo = launch(seed_rag, host="127.0.0.1", port=0, block=False)
    yield demo
    demo.close()


def cli_imports(args: list[str], env: dict[str, str], timeout: float = 300) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run `rag ARGS` in a new process; what it printed, and every module it imported."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "rag.ui.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert out.returncode == 0, out.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")}
    assert imported, "python -X importtime printed nothing"
    return out, imported
