"""Saved readings (rag.serve.read_ahead, rag.models.llama.SavedStates): the model reads each
paragraph and each short document once, its reading is saved, and a question whose prompt
begins with a saved reading has it restored. Here with a chat model that records what it
is given and a folder of fake saved readings; tests/answer/test_llm.py does it with llama.cpp."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np

from rag.answer.generative import GenerativeBackend
from rag.models.llama import LibraryReading
from rag.pipeline import RAG
from rag.serve.read_ahead import library_readings, prepare, read_library
from rag.settings import Settings

ARTICLE = [
    "蒙古國每年可以獲得10億美元的能源過境費收入。",
    "中俄蒙三國元首在北京舉行第七次會談。",
]
LONG = "該管道途經蒙古國東部，每年最多可向中國輸送500億立方公尺天然氣。" * 30  # over the lookup budget


class Silent:
    dimension = 4

    def encode_queries(self, texts):
        return np.ones((len(texts), 4), np.float32) / 2

    def encode_passages(self, texts):
        return np.ones((len(texts), 4), np.float32) / 2


class FakeStates:
    """Saved readings as empty files named by key, as SavedStates names them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.restored: list[str] = []

    @staticmethod
    def key(text: str) -> str:
        import hashlib

        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def has(self, key: str) -> bool:
        return (self.folder / key).exists()

    def restore(self, key: str) -> bool:
        self.restored.append(key)
        return True


class ReadingChat:
    """Records each prompt and the saved reading it asked to resume from; answers one word."""

    def __init__(self, states: FakeStates) -> None:
        self.states = states
        self.prompts: list[str] = []
        self.resumed: list[str | None] = []
        self.saved: list[str] = []

    def read_and_save(self, messages, key: str) -> int:
        self.prompts.append(messages[0]["content"])
        (self.states.folder / key).write_text("state")
        self.saved.append(key)
        return 5

    def stream_chat(self, messages, resume: str | None = None):
        self.prompts.append(messages[0]["content"])
        self.resumed.append(resume)
        yield "好"


def library(tmp_path: Path, extra: dict[str, str] | None = None) -> RAG:
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text("\n\n".join(ARTICLE) + "\n", encoding="utf-8")
    for name, text in (extra or {}).items():
        (corpus / name).write_text(text, encoding="utf-8")
    rag = RAG(Settings(corpus_dir=corpus, index_dir=tmp_path / "index", retrieval_mode="lexical"))
    rag.ensure_index()
    return rag


def reading_backend(tmp_path: Path, budget: int = 100) -> GenerativeBackend:
    folder = tmp_path / "saved"
    folder.mkdir()
    chat = ReadingChat(FakeStates(folder))
    return GenerativeBackend("local", chat, Silent(), Settings(prompt_budget=budget, open_prompt_budget=300))  # type: ignore[arg-type]


def test_each_paragraph_alone_and_each_short_document_whole_are_read_once(tmp_path: Path):
    rag = library(tmp_path, {"long.txt": LONG + "\n"})
    b = reading_backend(tmp_path)
    readings = list(library_readings(b, rag.retriever, whole_within=5))
    prompts = [m[0]["content"] for m, _ in readings]
    # Two paragraphs alone, the article whole; and for English questions the two in which
    # an amount is glossed (10億美元 -> 1 billion): the first paragraph and the article.
    assert len({key for _, key in readings}) == len(readings) == 5
    assert sum("1 billion" in p for p in prompts) == 2
    assert sum(ARTICLE[0] in p and ARTICLE[1] in p for p in prompts) == 1  # the whole article, once
    assert not any("500億" in p for p in prompts)  # the long paragraph does not fit the budget: not read
    # A reading is a prompt's beginning: sources, no question and no instruction yet.
    assert all("問題：" not in p and "[1.1]" in p for p in prompts)


def test_a_lone_question_resumes_from_the_reading_saved_for_its_passage_in_any_question_language(tmp_path: Path):
    rag = library(tmp_path)
    b = reading_backend(tmp_path)
    rag.use_backend(b)
    progress = LibraryReading()
    read_library(rag, b, progress, should_stop=lambda: False)
    assert progress.done == progress.total == 5 and progress.bytes == 25 and not progress.running
    passage = rag.retriever.paragraph_passage(rag.retriever.paragraph_ids[0], 1, "dense").model_copy(update={"dense_score": 0.99})
    for question in ("過境費有多少？", "过境费有多少？", "How much is the transit fee?"):
        b.chat.prompts.clear()
        list(b.stream(question, [passage]))
        asked = b.chat.prompts[-1]
        resumed = b.chat.resumed[-1]
        assert resumed in b.chat.saved, question
        # The saved reading is what the question's prompt begins with, up to the question.
        saved_prompt = next(m[0]["content"] for m, k in library_readings(b, rag.retriever, 5) if k == resumed)
        assert asked.startswith(saved_prompt), question
        assert question in asked[len(saved_prompt) :]


def test_reading_is_resumable_and_stops_when_told(tmp_path: Path):
    rag = library(tmp_path)
    b = reading_backend(tmp_path)
    read_library(rag, b, LibraryReading(), should_stop=lambda: False)
    assert len(b.chat.saved) == 5
    again = LibraryReading()
    read_library(rag, b, again, should_stop=lambda: False)
    assert len(b.chat.saved) == 5 and again.done == again.total == 5  # nothing read twice
    for f in (tmp_path / "saved").iterdir():
        f.unlink()
    stopped = LibraryReading()
    read_library(rag, b, stopped, should_stop=lambda: True)
    assert len(b.chat.saved) == 5 and stopped.done == 0


def test_reading_gives_way_to_a_question_being_answered(tmp_path: Path):
    rag = library(tmp_path)
    b = reading_backend(tmp_path)
    busy = [True]
    b.answering = lambda: busy[0]  # type: ignore[method-assign]
    worker = threading.Thread(target=read_library, args=(rag, b, LibraryReading(), lambda: False))
    worker.start()
    time.sleep(0.5)
    assert b.chat.saved == []
    busy[0] = False
    worker.join(timeout=30)
    assert len(b.chat.saved) == 5


def test_the_server_follows_new_builds_and_health_counts_what_was_read(tmp_path: Path):
    rag = library(tmp_path)
    b = reading_backend(tmp_path)
    rag.use_backend(b)
    stop = threading.Event()
    worker = threading.Thread(target=prepare, args=(rag, "local", stop.is_set, True), daemon=True)
    worker.start()
    deadline = time.monotonic() + 30
    while rag.library_reading.done < 5 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert rag.library_reading.as_json()["percent"] == 100
    (tmp_path / "docs" / "b.txt").write_text("烏蘭巴托是蒙古國的首都。\n", encoding="utf-8")
    rag.build()
    while rag.library_reading.done < 6 and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    worker.join(timeout=30)
    assert rag.library_reading.done == rag.library_reading.total == 6
    assert any("烏蘭巴托" in p for p in b.chat.prompts)


def test_an_open_question_reads_a_short_document_whole_the_same_for_every_question(tmp_path: Path):
    rag = library(tmp_path, {"b.txt": "烏蘭巴托是蒙古國的首都。\n\n烏蘭巴托位於蒙古國中北部。\n"})
    b = reading_backend(tmp_path, budget=600)
    rag.use_backend(b)
    saved = {key for _, key in library_readings(b, rag.retriever, rag.settings.answer.answer_passages)}
    for question in ("為什麼蒙古國可以獲得過境費？", "有關蒙古國過境費收入的文章主要在說什麼？"):
        answer = rag.answer(question, rag.retrieve(question, 5), model="local")
        assert [p.text for p in answer.passages] == ARTICLE, question
        assert b.chat.resumed[-1] in saved, question


def test_without_saved_readings_the_prompt_opens_in_the_question_language(tmp_path: Path):
    from tests.serve.test_read_ahead import Recording

    b = GenerativeBackend("local", Recording([]), Silent(), Settings())  # type: ignore[arg-type]
    rag = library(tmp_path)
    passage = rag.retriever.paragraph_passage(rag.retriever.paragraph_ids[0], 1, "dense")
    assert b.reading([passage], "en") is None
    assert b.messages("How much?", [passage], "en")[0]["content"].startswith("Answer the question")
    assert os.path.commonprefix([b.messages("多少？", [passage], "zh-Hant")[0]["content"], "根據"]) == "根據"


def test_the_page_and_health_say_how_much_the_model_has_read_ahead(tmp_path: Path):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from rag.ui.api import api_routes
    from rag.ui.web import index_status_markdown

    rag = library(tmp_path)
    b = reading_backend(tmp_path)
    assert "read ahead" not in index_status_markdown(rag)  # nothing to say before a model reads
    read_library(rag, b, rag.library_reading, should_stop=lambda: False)
    assert "5 of 5 (100%)" in index_status_markdown(rag)
    health = TestClient(FastAPI(routes=api_routes(rag))).get("/api/health").json()
    assert health["read_ahead"]["done"] == health["read_ahead"]["total"] == 5
