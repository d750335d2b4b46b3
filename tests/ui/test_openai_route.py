"""The OpenAI-compatible routes (rag.ui.openai_api) through the real `openai` client, against
a real server on 127.0.0.1: the model list, answers with their citations (whole and
streamed), and the errors an OpenAI client expects (404 model, 401 key)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import openai
import pytest
from pydantic import SecretStr

from rag.answer.backends import available
from tests.conftest import KEY_ANSWER, KEY_QUESTION, SEED_DOC

pytestmark = pytest.mark.slow
TOKEN = "openai-route-token-0123456789"
MESSAGES = [{"role": "user", "content": KEY_QUESTION}]


def client_for(url: str, api_key: str = "unused") -> openai.OpenAI:
    """The openai client on a loopback server: no retries, no proxy from the environment."""
    assert url.startswith("http://127.0.0.1:")
    return openai.OpenAI(base_url=url + "v1", api_key=api_key, max_retries=0, timeout=300, http_client=httpx.Client(trust_env=False))


@pytest.fixture(scope="module")
def client(served) -> openai.OpenAI:
    return client_for(served.local_url)


@pytest.fixture(scope="module")
def locked_url(seed_rag) -> Iterator[str]:
    """A server that wants RAG_API_TOKEN, answering from the seed index already built."""
    from rag.pipeline import RAG
    from rag.ui.web import launch

    locked = RAG(seed_rag.settings.changed(**{"api_token": SecretStr(TOKEN)}))
    locked._retriever = seed_rag.ensure_index()
    demo = launch(locked, host="127.0.0.1", port=0, block=False)
    yield demo.local_url
    demo.close()


def assert_cited(content: str, citations: list[dict], seed_rag) -> None:
    """The answer holds the key fact, its [n] markers are the citations' keys, and every
    citation is the source's text at its offsets."""
    assert KEY_ANSWER in content
    keys = {int(n) for n in re.findall(r"\[(\d+)\]", content)}
    assert keys and keys == {c["key"] for c in citations}
    assert any(KEY_ANSWER in c["text"] for c in citations)
    source = (seed_rag.settings.corpus.corpus_dir / SEED_DOC).read_text(encoding="utf-8")
    for c in citations:
        assert c["doc_id"] == SEED_DOC and source[c["start"] : c["end"]] == c["text"]


def test_models_lists_the_answer_backends(client):
    ids = [m.id for m in client.models.list()]
    assert {"extractive", "local", "openai"} <= set(ids) and ids == sorted(available())


def test_chat_completion_answers_with_citations(client, seed_rag):
    response = client.chat.completions.create(model="extractive", messages=MESSAGES)
    choice = response.choices[0]
    assert response.object == "chat.completion" and response.model == "extractive" and response.id.startswith("chatcmpl-")
    assert choice.message.role == "assistant" and choice.finish_reason == "stop"
    extra = response.model_extra or {}
    assert_cited(choice.message.content or "", extra["citations"], seed_rag)
    assert extra["rag"]["answer"] == choice.message.content and extra["rag"]["citations"] == extra["citations"]
    assert response.to_dict()["citations"] == extra["citations"]


def test_earlier_turns_do_not_replace_the_last_question(client):
    messages = [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "How do I bake sourdough bread?"},
        {"role": "assistant", "content": "The sources do not say."},
        {"role": "user", "content": [{"type": "text", "text": KEY_QUESTION}]},
    ]
    response = client.chat.completions.create(model="extractive", messages=messages)
    assert KEY_ANSWER in (response.choices[0].message.content or "")
    assert (response.model_extra or {})["rag"]["question"] == KEY_QUESTION


def test_streamed_chunks_join_to_the_same_answer(client, seed_rag):
    whole = client.chat.completions.create(model="extractive", messages=MESSAGES)
    chunks = list(client.chat.completions.create(model="extractive", messages=MESSAGES, stream=True))
    assert len(chunks) >= 3 and all(c.object == "chat.completion.chunk" and c.id == chunks[0].id for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    content = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert content == whole.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop" and all(c.choices[0].finish_reason is None for c in chunks[:-1])
    citations = (last.model_extra or {})["citations"]
    assert citations == (whole.model_extra or {})["citations"]
    assert_cited(content, citations, seed_rag)


def test_unknown_model_is_not_found(client):
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="no-such-model", messages=MESSAGES)
    error = raised.value.response.json()["error"]
    assert "no-such-model" in error["message"] and "extractive" in error["fix"] and error["code"] == 404
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(model="no-such-model", messages=MESSAGES, stream=True)


def test_bad_requests_are_openai_errors(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="extractive", messages=[{"role": "system", "content": "no question here"}])
    assert "user message" in raised.value.response.json()["error"]["message"]
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="extractive", messages=[])
    with pytest.raises(openai.NotFoundError) as scoped:
        client.chat.completions.create(model="extractive", messages=MESSAGES, extra_body={"documents": ["no-such.md"]})
    assert SEED_DOC in scoped.value.response.json()["error"]["fix"]


def test_earlier_messages_make_a_follow_up_stand_alone(client):
    asked = {"role": "user", "content": "蒙古國每年可以獲得多少能源過境費收入？"}
    first = client.chat.completions.create(model="extractive", messages=[asked])
    messages = [
        {"role": "system", "content": "Answer from the documents."},
        asked,
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "這大約佔其GDP的多少？"},
    ]
    reply = client.chat.completions.create(model="extractive", messages=messages)
    assert "2-3%" in (reply.choices[0].message.content or "")
    assert "蒙古國" in (reply.model_extra or {})["rag"]["standalone_question"]


def test_api_token_is_the_openai_key(locked_url, seed_rag):
    right = client_for(locked_url, TOKEN)
    assert "extractive" in [m.id for m in right.models.list()]
    answer = right.chat.completions.create(model="extractive", messages=MESSAGES)
    assert_cited(answer.choices[0].message.content or "", (answer.model_extra or {})["citations"], seed_rag)
    for wrong in ("unused", TOKEN + "x", TOKEN[:-1]):
        with pytest.raises(openai.AuthenticationError):
            client_for(locked_url, wrong).models.list()
        with pytest.raises(openai.AuthenticationError):
            client_for(locked_url, wrong).chat.completions.create(model="extractive", messages=MESSAGES)
