"""A model that refuses although the top passage clearly leads is asked once more with that
passage alone; its refusal is never shown meanwhile, and the answer says it was retried. A
top passage that leads by more still is shown alone from the start."""

from __future__ import annotations

import pytest

from rag.answer.backends import Final, Token, Usage
from rag.answer.generative import GenerativeBackend
from rag.text.language import REFUSALS
from tests.conftest import KEY_QUESTION

pytestmark = pytest.mark.slow

ANSWER = "西伯利亞力量2號管道每年最多可向中國輸送500億立方公尺天然氣 [1]"


class Scripted:
    """Writes its replies in order, a few characters per token, and keeps what it was asked."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    def stream_chat(self, messages):
        self.prompts.append(messages[-1]["content"])
        reply = self.replies.pop(0)
        for i in range(0, len(reply), 3):
            yield reply[i : i + 3]
        yield Usage(prompt_tokens=100, completion_tokens=len(reply))


def backend(seed_rag, chat, margin=0.6, lone=None):
    """The retry tests turn the lone passage off unless they pass ``lone``: the top passage is
    then shown with the others first and alone second, whatever its lead."""
    settings = seed_rag.settings.changed(**{"refusal_retry_margin": margin, "lone_passage_margin": lone})
    return GenerativeBackend("scripted", chat, seed_rag.embedder, settings)


def run(seed_rag, chat, margin=0.6, gap=None, lone=None):
    passages = seed_rag.retrieve(KEY_QUESTION, k=5)
    if gap is not None:  # the top passage's lead over the second, as a test needs it
        passages[0] = passages[0].model_copy(update={"score": passages[1].score + gap})
    events = list(backend(seed_rag, chat, margin, lone).stream(KEY_QUESTION, passages))
    tokens = "".join(e.text for e in events if isinstance(e, Token))
    return tokens, events[-1].answer, passages


def test_a_refusal_despite_a_clear_lead_is_asked_again_with_that_passage_alone(seed_rag):
    chat = Scripted(REFUSALS["zh-Hant"], ANSWER)
    tokens, answer, passages = run(seed_rag, chat, gap=1.0)
    assert len(chat.prompts) == 2
    assert "[2]" in chat.prompts[0] and "[2]" not in chat.prompts[1] and "[1]" in chat.prompts[1]
    assert REFUSALS["zh-Hant"] not in tokens and "500億" in tokens  # the refusal was held back, never shown
    assert not answer.abstained and "500億" in answer.text
    assert [c.paragraph_id for c in answer.citations] == [passages[0].paragraph_id]
    assert answer.refused_first == REFUSALS["zh-Hant"] and answer.model_text == ANSWER
    assert answer.timings.prompt_tokens == 200  # both readings counted


def test_no_second_asking_without_a_clear_lead_or_when_turned_off(seed_rag):
    for margin, gap in ((0.6, 0.1), (None, 5.0)):
        chat = Scripted(REFUSALS["zh-Hant"], ANSWER)
        tokens, answer, _ = run(seed_rag, chat, margin=margin, gap=gap)
        assert len(chat.prompts) == 1
        assert answer.abstained and answer.refused_first == "" and tokens == REFUSALS["zh-Hant"]


def test_a_second_refusal_stands(seed_rag):
    chat = Scripted(REFUSALS["zh-Hant"], REFUSALS["zh-Hant"])
    _, answer, _ = run(seed_rag, chat, gap=1.0)
    assert len(chat.prompts) == 2 and answer.abstained and answer.citations == []
    assert answer.text == REFUSALS["zh-Hant"] and answer.refused_first == REFUSALS["zh-Hant"]


def test_a_second_answer_that_fails_the_checks_is_kept_for_replay(seed_rag):
    wrong = "蒙古國的首都是烏蘭巴托，人口約為九百萬人。[1]"  # not in the cited passage: withheld
    _, answer, _ = run(seed_rag, Scripted(REFUSALS["zh-Hant"], wrong), gap=1.0)
    assert answer.abstained and answer.refused_first == REFUSALS["zh-Hant"] and answer.model_text == wrong


def test_a_refusal_with_keys_or_in_the_other_script_is_held_back_too(seed_rag):
    for first in (f"[2] {REFUSALS['zh-Hant']}", f"{REFUSALS['zh-Hans']}\n\n[2]\n\n[3]", f"{REFUSALS['zh-Hant']}\n\n[1.6]"):
        chat = Scripted(first, ANSWER)
        tokens, answer, _ = run(seed_rag, chat, gap=1.0)
        assert len(chat.prompts) == 2 and not answer.abstained
        assert "找不到" not in tokens and "500億" in tokens


def test_a_failing_second_asking_leaves_the_refusal(seed_rag):
    from rag.errors import RagError

    class FailsSecond(Scripted):
        def stream_chat(self, messages):
            if self.prompts:
                self.prompts.append(messages[-1]["content"])
                raise RagError("The model stopped.", fix="Try again.")
            yield from super().stream_chat(messages)

    chat = FailsSecond(REFUSALS["zh-Hant"])
    tokens, answer, _ = run(seed_rag, chat, gap=1.0)
    assert len(chat.prompts) == 2 and answer.abstained and answer.text == REFUSALS["zh-Hant"] and answer.error == ""


def test_an_answer_streams_at_once_when_a_retry_is_possible(seed_rag):
    """Holding back stops at the first characters that cannot begin the refusal."""
    passages = seed_rag.retrieve(KEY_QUESTION, k=5)
    passages[0] = passages[0].model_copy(update={"score": passages[1].score + 1.0})  # a retry is possible: holding is on
    chat = Scripted(ANSWER)
    events = list(backend(seed_rag, chat).stream(KEY_QUESTION, passages))
    tokens = [e.text for e in events if isinstance(e, Token)]
    assert "".join(tokens) == ANSWER and len(tokens) > 5
    assert isinstance(events[-1], Final) and not events[-1].answer.abstained


def test_a_clear_lead_shows_the_top_passage_alone_then_the_others(seed_rag):
    """At the lone-passage lead the model reads only the top passage; if it refuses, it is
    asked again with all of them. Below that lead it reads all of them first."""
    chat = Scripted(ANSWER)
    _, answer, passages = run(seed_rag, chat, gap=1.0, lone=0.75)
    assert len(chat.prompts) == 1 and "[1]" in chat.prompts[0] and "[2]" not in chat.prompts[0]
    assert [c.paragraph_id for c in answer.citations] == [passages[0].paragraph_id]
    refused = Scripted(REFUSALS["zh-Hant"], ANSWER)
    tokens, answer, _ = run(seed_rag, refused, gap=1.0, lone=0.75)
    assert len(refused.prompts) == 2 and "[2]" not in refused.prompts[0] and "[5]" in refused.prompts[1]
    assert not answer.abstained and "500億" in answer.text and REFUSALS["zh-Hant"] not in tokens
    assert answer.refused_first == REFUSALS["zh-Hant"]
    no_retry = Scripted(REFUSALS["zh-Hant"], ANSWER)
    _, answer, _ = run(seed_rag, no_retry, margin=None, gap=1.0, lone=0.75)
    assert len(no_retry.prompts) == 1 and answer.abstained
    chat = Scripted(ANSWER)
    run(seed_rag, chat, gap=0.5, lone=0.75)
    assert "[2]" in chat.prompts[0] and "[5]" in chat.prompts[0]


def test_a_lead_on_one_channel_does_not_count(seed_rag):
    """Lexical-only scores (no dense score) are BM25's, on another scale than the fused margin."""
    passages = seed_rag.retrieve(KEY_QUESTION, k=5)
    passages = [p.model_copy(update={"dense_score": None}) for p in passages]
    passages[0] = passages[0].model_copy(update={"score": passages[1].score + 5.0})
    chat = Scripted(ANSWER)
    list(backend(seed_rag, chat, lone=0.75).stream(KEY_QUESTION, passages))
    assert "[2]" in chat.prompts[0]
