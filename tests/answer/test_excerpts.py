"""The evidence a model reads within a token budget: the question's best sentences with
their neighbours, every passage keeping its key and at least one sentence."""

from __future__ import annotations

import pytest

from rag.answer.excerpts import GAP, estimated_tokens, excerpts
from rag.answer.prompts import build_messages
from rag.types import Passage

PIPELINE = (
    "2025年9月，中俄蒙三國領導人在北京會晤。"
    "三方簽署了西伯利亞力量2號管道的法律約束性備忘錄。"
    "該管道每年最多可輸送500億立方公尺天然氣。"
    "管道全長約2600公里，其中約950公里經過蒙古國。"
    "蒙古國每年可以獲得約10億美元的過境費。"
    "工程預計在2030年前後完工。"
)
OTHER = "蒙古國奉行第三鄰國政策。該政策尋求與美國、日本、歐盟等國發展關係。烏蘭巴托希望藉此平衡中俄影響。"


def passage(rank: int, text: str) -> Passage:
    return Passage(paragraph_id=f"d.txt#p{rank}", doc_id="d.txt", score=1.0, text=text, start=0, end=len(text),
                   match_start=0, match_end=len(text), rank=rank)  # fmt: skip


def test_a_small_budget_keeps_the_answering_sentence_and_its_neighbours():
    [cut, other] = excerpts("西伯利亞力量2號管道每年最多可輸送多少天然氣？", [passage(1, PIPELINE), passage(2, OTHER)], budget=60)
    assert "500億立方公尺" in cut.text and "法律約束性備忘錄" in cut.text  # the sentence and the one before it
    assert "2030年" not in cut.text and len(cut.text) < len(PIPELINE)
    assert cut.rank == 1 and cut.paragraph_id == "d.txt#p1"  # citations still name the paragraph
    assert other.text and other.text in OTHER  # every passage keeps at least one sentence


def test_pieces_that_are_not_neighbours_are_marked_as_cut():
    [cut] = excerpts("北京會晤和2030年完工", [passage(1, PIPELINE)], budget=40, neighbours=0)
    assert "北京會晤" in cut.text and "2030年" in cut.text and GAP in cut.text


def test_budget_zero_and_a_large_budget_keep_whole_paragraphs():
    passages = [passage(1, PIPELINE), passage(2, OTHER)]
    assert excerpts("天然氣", passages, budget=0) is passages
    assert [p.text for p in excerpts("天然氣", passages, budget=10_000)] == [PIPELINE, OTHER]


def test_the_prompt_shrinks_with_the_budget():
    question = "西伯利亞力量2號管道每年最多可輸送多少天然氣？"
    passages = [passage(1, PIPELINE), passage(2, OTHER)]
    sizes = [estimated_tokens(build_messages(question, excerpts(question, passages, b), "zh-Hant")[0]["content"]) for b in (30, 100, 0)]
    assert sizes[0] <= sizes[1] <= sizes[2] and sizes[0] < sizes[2]


def test_token_estimate_counts_chinese_characters_and_english_words():
    assert estimated_tokens("天然氣") == 3
    assert 4 <= estimated_tokens("natural gas pipeline") <= 6


def test_negative_budget_is_refused():
    with pytest.raises(ValueError):
        excerpts("q", [passage(1, OTHER)], budget=-1)


def test_passages_beyond_a_tiny_budget_are_left_out_but_the_best_keeps_its_sentence():
    kept = excerpts("西伯利亞力量2號管道每年最多可輸送多少天然氣？", [passage(1, PIPELINE), passage(2, OTHER)], budget=5)
    assert [p.rank for p in kept] == [1] and "500億立方公尺" in kept[0].text
