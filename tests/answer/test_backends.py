from __future__ import annotations

import sys
import textwrap
import time

import pytest

from rag.answer.backends import Final, Token, available, final_answer, load_backend
from rag.answer.openai import OpenAIChat
from rag.errors import RagError
from rag.settings import Settings
from rag.types import Passage
from tests.endpoints import HeldEndpoint

PLUGIN = '''
from rag.answer.backends import Final, Token
from rag.types import Answer, Citation


class EchoBackend:
    """A third-party backend: quotes the first passage."""

    name = "echo"

    @classmethod
    def from_settings(cls, settings, embedder):
        return cls()

    def stream(self, question, passages):
        first = passages[0]
        yield Token("引用：")
        yield Token(first.text)
        cite = Citation(key=1, paragraph_id=first.paragraph_id, text=first.text, start=first.start, end=first.end)
        yield Final(Answer(question=question, text="引用：" + first.text + " [1]", citations=[cite], passages=passages, model="echo"))
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Install a plugin the way pip would: a module plus a dist-info with entry_points.txt."""
    (tmp_path / "echo_plugin.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = tmp_path / "echo_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-plugin\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[rag.backends]\necho = echo_plugin:EchoBackend\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "echo"
    sys.modules.pop("echo_plugin", None)


def passage():
    return Passage(
        paragraph_id="d#p1", doc_id="d", score=1, text="蒙古國每年可獲得10億美元。", start=0, end=14, match_start=0, match_end=14, rank=1
    )


def test_builtins_are_registered_by_entry_point():
    assert {"extractive", "local", "openai"} <= set(available())


def test_unknown_backend_lists_the_available_ones():
    with pytest.raises(RagError, match=r"Unknown answer model 'gpt-9'.*extractive, local, openai"):
        load_backend("gpt-9", Settings(), embedder=None)  # type: ignore[arg-type]


def test_third_party_backend_is_found_and_streams(plugin):
    assert plugin in available()
    backend = load_backend(plugin, Settings(), embedder=None)  # type: ignore[arg-type]
    events = list(backend.stream("多少？", [passage()]))
    assert [type(e) for e in events] == [Token, Token, Final]
    answer = final_answer(iter(events))
    assert answer.model == "echo" and answer.citations[0].paragraph_id == "d#p1"


@pytest.fixture
def slow_server():
    """An endpoint that holds every request until the test ends (tests/endpoints.py)."""
    with HeldEndpoint() as endpoint:
        yield endpoint.url


def test_slow_endpoint_fails_within_the_timeout(slow_server):
    chat = OpenAIChat(Settings(openai_base_url=slow_server, llm_timeout=1.0, openai_retries=0))
    started = time.monotonic()
    with pytest.raises(RagError, match=r"did not answer within 1 s.*RAG_LLM_TIMEOUT"):
        list(chat.stream_chat([{"role": "user", "content": "hi"}]))
    assert time.monotonic() - started < 3


def test_dead_endpoint_is_retried_then_reported(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = OpenAIChat(Settings(openai_base_url=f"http://127.0.0.1:{port}/v1", openai_retries=2, llm_timeout=10))
    started = time.monotonic()
    with pytest.raises(RagError, match=r"could not be reached.*rag llama-server"):
        list(chat.stream_chat([{"role": "user", "content": "hi"}]))
    assert 1.0 <= time.monotonic() - started < 6  # two backoffs: 0.5 s + 1 s


def test_api_key_never_appears_in_errors(slow_server):
    secret = "sk-test-DO-NOT-LEAK-123"
    chat = OpenAIChat(Settings(openai_base_url=slow_server, llm_timeout=0.5, openai_retries=0, openai_api_key=secret))
    with pytest.raises(RagError) as info:
        list(chat.stream_chat([{"role": "user", "content": "hi"}]))
    assert secret not in str(info.value)
    assert secret not in repr(Settings(openai_api_key=secret))
