"""Real models: llama.cpp in-process (local) and llama.cpp's HTTP server on loopback (openai)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.answer.backends import Final, Token
from rag.pipeline import RAG
from tests.conftest import KEY_QUESTION, SEED_DOC

pytestmark = pytest.mark.slow
PIPELINE = f"{SEED_DOC}#p8"


@pytest.fixture(scope="module")
def small_rag(seed_rag):
    """The seed index with the 0.5B model: fast enough for plumbing checks."""
    settings = seed_rag.settings.changed(**{"local_model": "qwen-0.5b-q4", "llm_max_tokens": 48})
    return RAG(settings)


@pytest.fixture(scope="module")
def llama_server(seed_rag):
    """llama.cpp's own OpenAI-compatible server with the default 1.5B model, on 127.0.0.1."""
    from rag.models.llama_server import LlamaServer

    server = LlamaServer(seed_rag.settings)
    assert server.base_url.startswith("http://127.0.0.1:")
    yield server
    server.close()


def test_local_backend_streams_tokens_then_a_verified_answer(small_rag):
    events = list(small_rag.ask_stream(KEY_QUESTION, model="local"))
    assert isinstance(events[-1], Final)
    tokens = [e for e in events if isinstance(e, Token)]
    assert len(tokens) > 1  # streamed, not one block
    answer = events[-1].answer
    assert answer.model == "local" and not answer.error
    # Whatever the small model wrote, every citation left standing was verified.
    for sentence in answer.sentences:
        if sentence.supported:
            assert sentence.keys
    assert all(c.paragraph_id in {p.paragraph_id for p in answer.passages} for c in answer.citations)
    t = answer.timings  # where the time went, with llama.cpp's own token counts
    assert 0 < t.retrieval_ms < t.first_token_ms <= t.total_ms
    assert t.prompt_tokens > 100 and 1 < t.completion_tokens <= 48


def test_warm_up_loads_the_model_before_the_first_question(small_rag):
    fresh = RAG(small_rag.settings)
    fresh._retriever = small_rag.ensure_index()
    fresh.warm_up("local")
    assert "local" in fresh._backends
    fresh.warm_up("extractive")  # nothing to warm: no error


def test_after_reading_ahead_a_clear_question_reads_little_more_than_itself(small_rag):
    """Real llama.cpp: once every seed paragraph's prompt is read ahead, a question one of them
    answers (asked by no other test) finds most of its prompt already read."""
    from rag.serve.read_ahead import LANGUAGES, prepare

    retriever = small_rag.ensure_index()
    # Read ahead up to the paragraph that answers it, not the whole article: the same test, in a third of the time.
    upto = 1 + next(i for i, pid in enumerate(retriever.paragraph_ids) if "聯合指揮所" in retriever.stored.paragraphs[pid].text)
    rag = RAG(small_rag.settings.changed(llm_read_ahead=upto, llm_saved_reading=False))
    rag._retriever = retriever
    assert prepare(rag, "local") == upto * len(LANGUAGES)
    t = rag.ask("三方的聯合指揮所設在哪裡？", model="local").timings
    assert t.cached_prompt_tokens is not None and t.cached_prompt_tokens > t.prompt_tokens / 2, t


def test_a_reading_saved_to_disk_is_restored_for_a_question_on_it(small_rag, tmp_path):
    """Real llama.cpp, its memory of earlier prompts off: every seed paragraph is read once
    and saved; two clear questions on different paragraphs, one after the other, each find
    most of their prompt already read, which only the saved file can give the second."""
    from rag.serve.read_ahead import prepare

    # No second asking after a refusal: the token counts are then those of the one prompt.
    update = {"llm_reading_dir": tmp_path, "llm_cache_ram_mb": 0, "refusal_retry_margin": None}
    settings = small_rag.settings.changed(**update)
    rag = RAG(settings)
    rag._retriever = small_rag.ensure_index()
    read = prepare(rag, "local")
    assert read == rag.library_reading.total >= len(rag.retriever.paragraph_ids)
    files = list(tmp_path.rglob("*.bin"))
    assert len(files) == read and all(f.stat().st_size > 100_000 for f in files) and not list(tmp_path.rglob("*.part"))
    for question in ("三方的聯合指揮所設在哪裡？", "西伯利亞力量2號管道每年最多可輸送多少天然氣？"):
        t = rag.ask(question, model="local").timings
        assert t.cached_prompt_tokens is not None and t.cached_prompt_tokens > t.prompt_tokens / 2, (question, t)
    assert prepare(rag, "local") == read  # all read already: nothing read again


def test_extractive_answers_have_timings_but_no_first_token(seed_rag):
    t = seed_rag.ask(KEY_QUESTION).timings
    assert 0 < t.retrieval_ms <= t.total_ms and t.first_token_ms is None and t.prompt_tokens is None


def test_local_timeout_is_reported_with_the_passages(small_rag):
    rag = RAG(small_rag.settings.changed(**{"llm_timeout": 0.05, "llm_max_tokens": 200}))
    answer = rag.ask(KEY_QUESTION, model="local")
    assert "within 0.05 s" in answer.error
    assert answer.passages and answer.passages[0].paragraph_id == PIPELINE


def test_off_topic_question_is_refused_without_citations(small_rag):
    # Its best passage scores just above the English relevance floor, so the model is asked;
    # whatever it writes, nothing in the seed article backs it.
    answer = small_rag.ask("How do I bake sourdough bread?", model="local")
    assert answer.abstained and answer.citations == []
    assert all(not s.supported for s in answer.sentences)


def test_openai_backend_against_a_real_llama_server(llama_server, seed_rag):
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(seed_rag.settings.corpus.corpus_dir),
        "RAG_INDEX_DIR": str(seed_rag.settings.index.index_dir),
        "RAG_OPENAI_BASE_URL": llama_server.base_url,
    }
    streamed = subprocess.run(
        [sys.executable, "-m", "rag.ui.cli", "ask", "-m", "openai", KEY_QUESTION], env=env, capture_output=True, text=True, timeout=600
    )
    assert streamed.returncode == 0, streamed.stderr
    assert "500億立方公尺" in streamed.stdout
    command = [sys.executable, "-m", "rag.ui.cli", "ask", "-m", "openai", "--json", KEY_QUESTION]
    as_json = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    data = json.loads(as_json.stdout)
    timings = data["timings"]
    assert timings["prompt_tokens"] > 100 and timings["completion_tokens"] > 1 and timings["first_token_ms"] <= timings["total_ms"]
    assert f"{SEED_DOC} ¶8 (characters" in streamed.stdout  # the verified citation line
    assert data["model"] == "openai" and not data["error"]
    assert "500億立方公尺" in data["answer"]
    cited = [c for c in data["citations"] if c["paragraph_id"] == PIPELINE]
    assert cited and "500億立方公尺" in cited[0]["text"]
    assert any(s["supported"] and "500" in s["text"] for s in data["sentences"])
