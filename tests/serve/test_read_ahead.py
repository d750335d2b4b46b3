"""Reading ahead (rag.serve.read_ahead): the local model reads each paragraph's lone-passage
prompt before anyone asks, so a question about it reads only itself and the instruction."""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag.answer.excerpts import excerpts
from rag.answer.generative import GenerativeBackend
from rag.pipeline import RAG
from rag.serve.read_ahead import LANGUAGES, lone_prompts, prepare, read_ahead
from rag.settings import Settings
from rag.types import Passage

SHORT = "蒙古國每年可以獲得10億美元的能源過境費收入。"
LONG = "該管道途經蒙古國東部，每年最多可向中國輸送500億立方公尺天然氣。" * 8  # over a 100-token budget


class Silent:
    def encode_queries(self, texts):
        return np.zeros((len(texts), 4), np.float32)

    def encode_passages(self, texts):
        return np.zeros((len(texts), 4), np.float32)


class Recording:
    """A chat model that notes each prompt it is given and answers one word."""

    def __init__(self, events: list[str]) -> None:
        self.events = events
        self.prompts: list[str] = []

    def stream_chat(self, messages):
        self.events.append("read")
        self.prompts.append(messages[0]["content"])
        yield "好"


def paragraph(text: str, n: int) -> Passage:
    return Passage(
        paragraph_id=f"a.txt#p{n}", doc_id="a.txt", score=0.0, text=text, start=0, end=len(text), match_start=0, match_end=1, rank=1
    )


def backend(events: list[str], budget: int = 100) -> GenerativeBackend:
    return GenerativeBackend("local", Recording(events), Silent(), Settings(prompt_budget=budget))  # type: ignore[arg-type]


def test_a_question_shown_one_paragraph_alone_starts_with_the_prompt_read_ahead():
    b = backend([])
    ahead = [m[0]["content"] for m in lone_prompts(b, [paragraph(SHORT, 1)])]
    assert len(ahead) == len(LANGUAGES)
    questions = ["過境費有多少？", "过境费有多少？", "How much is the transit fee?"]
    for language, question, read in zip(LANGUAGES, questions, ahead, strict=True):
        asked = b.messages(question, excerpts(question, [paragraph(SHORT, 1)], b.budget), language)[0]["content"]
        shared = os.path.commonprefix([read, asked])
        # Everything up to the question was read ahead: the opening line and the whole paragraph.
        assert asked.index(question) == len(shared), language
        assert "[1.1]" in shared, language


def test_each_paragraph_is_read_once_per_question_language_and_a_cut_one_not_at_all():
    events: list[str] = []
    b = backend(events)
    assert read_ahead(b, [paragraph(SHORT, 1), paragraph(LONG, 2)]) == len(LANGUAGES)
    prompts = b.chat.prompts  # type: ignore[attr-defined]
    assert all("[1.1]" in p and "蒙古國" in p for p in prompts)
    assert not any("500" in p for p in prompts)  # the budget would cut that paragraph, differently per question


def test_reading_ahead_waits_while_a_question_is_answered_and_stops_when_told():
    events: list[str] = []
    b = backend(events)
    busy = iter([True, True, True])
    b.answering = lambda: events.append("busy") is None and next(busy, False)  # type: ignore[method-assign]
    assert read_ahead(b, [paragraph(SHORT, 1)]) == len(LANGUAGES)
    assert events[:4] == ["busy", "busy", "busy", "busy"] and events[4] == "read"
    events.clear()
    assert read_ahead(b, [paragraph(SHORT, 1)], should_stop=lambda: True) == 0 and "read" not in events


def test_the_answering_count_is_kept_while_a_question_streams():
    b = backend([])
    b.chat = type("OneWord", (), {"stream_chat": lambda self, m: iter(["好"])})()
    stream = b.stream("過境費有多少？", [paragraph(SHORT, 1).model_copy(update={"dense_score": 0.99})])
    next(stream)
    assert b.answering()
    for _ in stream:
        pass
    assert not b.answering()


def test_a_question_dropped_halfway_no_longer_counts():
    b = backend([])
    b.chat = type("OneWord", (), {"stream_chat": lambda self, m: iter(["好"])})()
    stream = b.stream("過境費有多少？", [paragraph(SHORT, 1).model_copy(update={"dense_score": 0.99})])
    next(stream)
    stream.close()
    assert not b.answering()


def test_the_server_start_reads_ahead_each_paragraph_of_the_corpus_for_a_local_model(tmp_path: Path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SHORT + "\n\n" + "中俄蒙三國元首在北京舉行第七次會談。\n", encoding="utf-8")
    rag = RAG(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"))
    assert prepare(rag) == 0  # extractive: no model to read
    events: list[str] = []
    local = backend(events)
    rag.use_backend(local)
    assert prepare(rag, "local") == 0  # no index loaded yet: nothing to read
    rag.ensure_index()
    assert prepare(rag, "local") == 2 * len(LANGUAGES)
    assert sum("北京" in p for p in local.chat.prompts) == len(LANGUAGES)  # type: ignore[attr-defined]


def test_reading_ahead_waits_for_an_index_being_built(tmp_path: Path):
    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "a.txt").write_text(SHORT + "\n", encoding="utf-8")
    rag = RAG(Settings(corpus_dir=corpus, index_dir=tmp_path / "index"))
    rag.ensure_index()
    local = backend([])
    rag.use_backend(local)
    rag.indexer._state = replace(rag.indexer._state, running=True)  # as while a build embeds
    worker = threading.Thread(target=prepare, args=(rag, "local"))
    worker.start()
    time.sleep(0.5)
    assert local.chat.prompts == ["OK"]  # type: ignore[attr-defined]  # the warm-up's prompt, nothing read ahead yet
    rag.indexer._state = replace(rag.indexer._state, running=False)
    worker.join(timeout=30)
    assert len(local.chat.prompts) == 1 + len(LANGUAGES)  # type: ignore[attr-defined]
