"""Sentence keys (RAG_CITATION_KEYS=sentence): the prompt numbers each source sentence, the
model cites [1.2], the answer cites the paragraph and quotes the sentence pointed at, unless
that sentence does not say the claim."""

from __future__ import annotations

import pytest

from rag.answer.backends import Final, Usage
from rag.answer.prompts import build_messages, numbered_sentences, pointed_sentences
from rag.citations.claims import cited_sentences, split_cited_sentences
from rag.citations.locate import citation_for
from rag.types import Passage
from tests.conftest import KEY_QUESTION

SUMMIT = "2025年9月2日，中俄蒙三國元首在北京舉行第七次會談。"
VOLUME = "該管道途經蒙古國東部，每年最多可向中國輸送500億立方公尺天然氣。"
TRANSIT = "蒙古國每年可以獲得10億美元的能源過境費收入。"


def passage(text: str, rank: int = 1) -> Passage:
    return Passage(
        paragraph_id=f"a.txt#p{rank}", doc_id="a.txt", score=1.0, text=text, start=0, end=len(text), match_start=0, match_end=1, rank=rank
    )


def test_markers_with_sentence_numbers_cite_the_paragraph_and_point_at_the_sentence():
    assert cited_sentences("輸送500億立方公尺 [1.2]。過境費10億美元 [2.1, 1]。") == [
        ("輸送500億立方公尺。", [1], [(1, 2)]),
        ("過境費10億美元。", [2, 1], [(2, 1)]),
    ]
    assert split_cited_sentences("甲乙丙 [1.2]。") == [("甲乙丙。", [1])]  # the number 1.2 is not left in the claim


def test_the_prompt_numbers_each_sentence_of_what_the_model_reads():
    p = passage(SUMMIT + VOLUME, rank=2)
    assert numbered_sentences(p) == [SUMMIT, VOLUME]
    prompt = build_messages("管道輸送多少天然氣？", [p], "zh-Hant", sentence_keys=True)[0]["content"]
    assert f"[2.1] {SUMMIT}" in prompt and f"[2.2] {VOLUME}" in prompt and "[1.2]" in prompt  # the example in the instruction
    assert "[2.1]" not in build_messages("管道輸送多少天然氣？", [p], "zh-Hant")[0]["content"]
    excerpt = p.model_copy(update={"text": SUMMIT + "……" + VOLUME})  # an excerpt's gap splits sentences too
    assert pointed_sentences([excerpt]) == {(2, 1): SUMMIT, (2, 2): VOLUME}


def test_the_sentence_pointed_at_is_quoted_unless_another_says_the_claim_better():
    p = passage(SUMMIT + VOLUME + TRANSIT)
    claim = "管道每年最多可向中國輸送500億立方公尺天然氣。"
    assert citation_for(claim, p, [VOLUME]).text == VOLUME
    assert citation_for(claim, p, [TRANSIT]).text == VOLUME  # pointed at a sentence without the amount
    both = "三國元首在北京會談，輸送500億立方公尺天然氣。"
    assert citation_for(both, p, [SUMMIT]).text == VOLUME  # the claim's number decides
    assert citation_for("三國元首在北京舉行第七次會談。", p, [SUMMIT]).text == SUMMIT
    close = "蒙古國東部每年可以獲得收入。"  # shares words with two sentences, a few more with the last
    assert citation_for(close, p).text == TRANSIT
    assert citation_for(close, p, [VOLUME]).text == VOLUME  # the model's pointer decides between near equals


class Scripted:
    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.prompts: list[str] = []

    def stream_chat(self, messages):
        self.prompts.append(messages[-1]["content"])
        yield self.reply
        yield Usage(prompt_tokens=100, completion_tokens=10)


@pytest.mark.slow
def test_a_model_citing_a_sentence_gets_its_paragraph_cited_with_that_sentence_quoted(seed_rag):
    from rag.answer.generative import GenerativeBackend

    passages = seed_rag.retrieve(KEY_QUESTION, k=5)
    top = passages[0]
    numbered = numbered_sentences(top)
    m = next(i for i, s in enumerate(numbered, 1) if "500億" in s)
    chat = Scripted(f"西伯利亞力量2號管道每年最多可向中國輸送500億立方公尺天然氣 [1.{m}]")
    settings = seed_rag.settings.changed(**{"citation_keys": "sentence", "lone_passage_margin": 0.0, "prompt_budget": 0})
    events = list(GenerativeBackend("scripted", chat, seed_rag.embedder, settings).stream(KEY_QUESTION, passages))
    answer = events[-1].answer
    assert isinstance(events[-1], Final) and not answer.abstained
    assert f"[1.{m}]" in chat.prompts[0]
    assert [c.paragraph_id for c in answer.citations] == [top.paragraph_id]
    assert "500億" in answer.citations[0].text and answer.text.endswith("[1]")
