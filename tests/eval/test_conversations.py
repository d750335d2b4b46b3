"""`rag eval` of multi-turn sets: records read and checked, and follow-ups scored bare,
rewritten and standalone against a real index."""

from __future__ import annotations

import json

import pytest

from rag.errors import RagError
from rag.eval.conversations import is_conversation_set, load_conversations, run_conversation_eval
from tests.conftest import ROOT

CONVERSATIONS = [
    {
        "id": "c1",
        "lang": "zh-Hant",
        "turns": [
            {
                "question": "蒙古國每年可以獲得多少能源過境費收入？",
                "standalone": "蒙古國每年可以獲得多少能源過境費收入？",
                "answers": ["10億美元"],
                "gold_text": ["每年可以獲得10億美元的能源過境費收入"],
            },
            {
                "question": "這大約佔其GDP的多少？",
                "standalone": "蒙古國的能源過境費收入大約佔其GDP的多少？",
                "follow_up": True,
                "answers": ["2-3%"],
                "gold_text": ["佔其GDP的2-3%"],
            },
            {
                "question": "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
                "standalone": "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
                "answers": ["500億立方公尺"],
                "gold_text": ["每年最多可向中國輸送500億立方公尺天然氣"],
            },
        ],
    }
]


def write(tmp_path, rows) -> object:
    path = tmp_path / "conv.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_a_conversation_set_is_told_from_a_question_set(tmp_path):
    assert is_conversation_set(write(tmp_path, CONVERSATIONS))
    assert not is_conversation_set(ROOT / "questions" / "seed.jsonl")
    assert len(load_conversations(ROOT / "questions" / "conversations.jsonl")) >= 40


def test_a_bad_record_names_its_line(tmp_path):
    with pytest.raises(RagError, match=r"conv.jsonl:2 is not a conversation record"):
        load_conversations(write(tmp_path, [*CONVERSATIONS, {"id": "x", "turns": []}]))


@pytest.mark.slow
def test_follow_ups_are_scored_three_ways(seed_rag, tmp_path):
    report = run_conversation_eval(seed_rag, load_conversations(write(tmp_path, CONVERSATIONS)), answers=True, progress=False)
    assert (report["first"]["turns"], report["follow_up"]["turns"], report["subject_change"]["turns"]) == (1, 1, 1)
    follow_up = report["follow_up"]
    assert follow_up["rewritten"]["recall@3"] == follow_up["standalone"]["recall@3"] == 1.0
    assert follow_up["rewritten"]["contains"] == 1.0 and follow_up["rewritten_share"] == 1.0
    assert report["subject_change"]["rewritten_share"] == 0.0
    turn = report["per_turn"][1]
    assert "蒙古國" in turn["standalone_question"] and turn["gold"] == [f"{r}" for r in turn["gold"]]
