from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import KEY_QUESTION, SEED_DOC

pytestmark = pytest.mark.slow


def run(seed_rag, *args, input_env=None):
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(seed_rag.settings.corpus_dir),
        "RAG_INDEX_DIR": str(seed_rag.settings.index_dir),
        **(input_env or {}),
    }
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], env=env, capture_output=True, text=True, timeout=300)


def test_ask_json(seed_rag):
    out = run(seed_rag, "ask", KEY_QUESTION, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"question", "answer", "citations", "passages"} <= set(data)
    assert data["question"] == KEY_QUESTION
    assert "500億立方公尺" in data["answer"]
    assert any(c["paragraph_id"] == f"{SEED_DOC}#p8" and c["text"] for c in data["citations"])
    assert all({"paragraph_id", "score", "text"} <= set(p) for p in data["passages"])


def test_retrieve_json_honours_k(seed_rag):
    out = run(seed_rag, "retrieve", KEY_QUESTION, "-k", "2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["question"] == KEY_QUESTION
    assert len(data["passages"]) == 2
    assert data["passages"][0]["paragraph_id"] == f"{SEED_DOC}#p8"


@pytest.mark.parametrize(
    "args,message", [(["ask", "   "], "empty"), (["retrieve", "q", "-k", "0"], "k must be"), (["ask", "問" * 5000], "limit is")]
)
def test_errors_are_one_line_and_non_zero(seed_rag, args, message):
    out = run(seed_rag, *args)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_index_reports_up_to_date(seed_rag):
    out = run(seed_rag, "index", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["rebuilt"] is False and data["paragraphs"] == 14


def test_help_teaches():
    out = subprocess.run([sys.executable, "-m", "rag.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for word in ("index", "ask", "retrieve", "serve", "--json" if False else "rag ask"):
        assert word in out.stdout
