"""Faults: an answer model that crashes, hangs or writes garbage, and index files
that are truncated. Retrieval results and a clear error always come back."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from rag.answer.backends import Final, Token
from rag.answer.generative import GenerativeBackend
from rag.errors import RagError
from rag.index.store import current_build, load_build
from rag.pipeline import RAG
from tests.conftest import KEY_QUESTION, SEED_DOC, SEEDS, make_settings

pytestmark = pytest.mark.slow


class CrashingChat:
    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str]:
        yield "西伯利亞"
        raise RuntimeError("segfault in the model")


class GarbageChat:
    def stream_chat(self, messages: list[dict[str, str]]) -> Iterator[str]:
        yield "\ufffd\x07 ]]]][[[ 9999999 lorem ipsum [7][42] ��� @@@@"


class CrashingBackend:
    """A third-party backend that raises something other than RagError."""

    name = "crashy"

    def stream(self, question, passages):
        yield Token("半")
        raise ZeroDivisionError("division by zero")


def with_backend(rag: RAG, name: str, backend) -> RAG:
    rag._backends[name] = backend
    return rag


def test_crashing_model_gives_passages_and_a_clear_error(seed_rag):
    backend = GenerativeBackend("crash", CrashingChat(), seed_rag.embedder, seed_rag.settings)
    # A RuntimeError from inside a chat model (not RagError) still ends in a Final.
    answer = with_backend(seed_rag, "crash", backend).ask(KEY_QUESTION, model="crash")
    assert answer.error and "crash" in answer.error
    assert answer.passages and answer.passages[0].paragraph_id == f"{SEED_DOC}#p8"
    assert answer.text == "" and not answer.citations


def test_crashing_plugin_backend_is_contained(seed_rag):
    events = list(with_backend(seed_rag, "crashy", CrashingBackend()).ask_stream(KEY_QUESTION, model="crashy"))
    assert isinstance(events[-1], Final)
    answer = events[-1].answer
    assert "ZeroDivisionError" in answer.error and "--model extractive" in answer.error
    assert answer.passages


def test_garbage_from_the_model_is_not_passed_on_as_an_answer(seed_rag):
    backend = GenerativeBackend("garbage", GarbageChat(), seed_rag.embedder, seed_rag.settings)
    answer = with_backend(seed_rag, "garbage", backend).ask(KEY_QUESTION, model="garbage")
    assert answer.abstained and not answer.citations
    assert answer.text == "資料中找不到這個問題的答案。"
    assert answer.passages


def test_hanging_model_times_out_and_the_cli_still_prints_passages(seed_rag, monkeypatch):
    from typer.testing import CliRunner

    from rag.ui import cli

    class HangingChat:
        def stream_chat(self, messages):
            time.sleep(0.2)
            raise RagError("The local model gave no complete answer within 0.2 s.", fix="Raise RAG_LLM_TIMEOUT.")
            yield ""  # pragma: no cover - makes this a generator

    with_backend(seed_rag, "hang", GenerativeBackend("hang", HangingChat(), seed_rag.embedder, seed_rag.settings))
    monkeypatch.setattr(cli, "_rag", lambda *args, **kwargs: seed_rag)
    result = CliRunner().invoke(cli.app, ["ask", KEY_QUESTION, "--model", "hang"])
    assert result.exit_code == 1
    assert "within 0.2 s" in result.output and f"{SEED_DOC} ¶8" in result.output


@pytest.mark.parametrize("name", ["vectors.faiss", "paragraphs.jsonl", "bm25/params.index_info.json"])
def test_truncated_index_file_is_detected_with_the_fix(tmp_path, name):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp_path, corpus, auto_rebuild=False))
    rag.build()
    folder = current_build(rag.settings.index.index_dir)
    target = next(folder.glob(name)) if "*" in name else folder / name
    if not target.exists():
        target = sorted((folder / "bm25").iterdir())[0]
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    with pytest.raises(RagError, match=r"rag index --rebuild"):
        load_build(folder)
    with pytest.raises(RagError, match=r"rag index --rebuild"):
        RAG(rag.settings).retrieve(KEY_QUESTION, 1)


def test_silently_edited_index_file_is_caught_by_its_checksum(tmp_path):
    """An edit that keeps every file parseable (a changed fact) is caught only by the checksum."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp_path, corpus, auto_rebuild=False))
    rag.build()
    records = current_build(rag.settings.index.index_dir) / "paragraphs.jsonl"
    text = records.read_text(encoding="utf-8")
    assert "500億" in text
    records.write_text(text.replace("500億", "900億"), encoding="utf-8")
    with pytest.raises(RagError, match=r"checksum mismatch.*rag index --rebuild"):
        RAG(rag.settings).retrieve(KEY_QUESTION, 1)
