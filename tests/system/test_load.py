"""A slow answer must not hold up anyone else: while a remote model sits on one question
(held open by a loopback endpoint), other questions are retrieved and answered, through
the Python API and through the web page's queue."""

from __future__ import annotations

import threading

import pytest

from rag.pipeline import RAG
from tests.conftest import KEY_QUESTION, SEED_DOC
from tests.endpoints import HeldEndpoint

KEY_ANSWER = "500億立方公尺"


@pytest.fixture
def held_rag(seed_rag):
    """The seed index, with the 'openai' backend pointed at an endpoint that never answers on its own."""
    with HeldEndpoint() as endpoint:
        settings = seed_rag.settings.changed(**{"openai_base_url": endpoint.url, "openai_retries": 0, "llm_timeout": 120.0})
        yield RAG(settings), endpoint


@pytest.mark.slow
def test_python_api_answers_others_while_one_answer_is_held(held_rag):
    rag, endpoint = held_rag
    slow: dict = {}
    worker = threading.Thread(target=lambda: slow.setdefault("answer", rag.ask(KEY_QUESTION, model="openai")))
    worker.start()
    assert endpoint.wait_for(1), "the slow question never reached the model"

    passages = rag.retrieve("蒙古国每年能获得多少能源过境费？", k=3)
    answer = rag.ask(KEY_QUESTION, model="extractive")

    assert worker.is_alive(), "the slow answer finished early: this test proved nothing"
    assert passages and passages[0].paragraph_id.startswith(SEED_DOC)
    assert KEY_ANSWER in answer.text and answer.citations
    endpoint.release()
    worker.join(30)
    assert slow["answer"].error  # the held model's failure reaches its own caller only


@pytest.mark.slow
def test_web_queue_answers_others_while_one_answer_is_held(held_rag):
    from gradio_client import Client

    from rag.ui.web import launch

    rag, endpoint = held_rag
    demo = launch(rag, host="127.0.0.1", port=0, block=False)
    try:
        slow_job = Client(demo.local_url, verbose=False).submit(KEY_QUESTION, model="openai", api_name="/answer")
        assert endpoint.wait_for(1), "the slow question never reached the model"
        others = [Client(demo.local_url, verbose=False).predict(KEY_QUESTION, model="extractive", api_name="/answer") for _ in range(3)]
        assert not slow_job.done(), "the slow answer finished early: this test proved nothing"
        for result in others:
            assert KEY_ANSWER in result["text"] and result["citations"]
        endpoint.release()
        assert slow_job.result(timeout=60)["error"]
    finally:
        endpoint.release()
        demo.close()
