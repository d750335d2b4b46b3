from __future__ import annotations

import json

import pytest

from rag.errors import RagError
from tests.conftest import KEY_QUESTION, ROOT, SEED_DOC

pytestmark = pytest.mark.slow
PIPELINE_PARAGRAPH = f"{SEED_DOC}#p8"


def seed_questions():
    with (ROOT / "questions" / "seed.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def test_key_question_answered_with_500_and_citation(seed_rag):
    answer = seed_rag.ask(KEY_QUESTION)
    assert "500億立方公尺" in answer.text
    assert not answer.abstained
    cited = [c for c in answer.citations if "500億立方公尺" in c.text]
    assert cited and cited[0].paragraph_id == PIPELINE_PARAGRAPH
    source = (seed_rag.settings.corpus.corpus_dir / SEED_DOC).read_text(encoding="utf-8")
    for c in answer.citations:
        assert source[c.start : c.end] == c.text  # verbatim, at the stated offsets
        assert f"[{c.key}]" in answer.text


def test_retrieve_returns_passages_with_offsets(seed_rag):
    passages = seed_rag.retrieve(KEY_QUESTION, k=3)
    assert len(passages) == 3
    assert [p.rank for p in passages] == [1, 2, 3]
    assert passages[0].paragraph_id == PIPELINE_PARAGRAPH
    assert passages[0].score >= passages[1].score >= passages[2].score
    source = (seed_rag.settings.corpus.corpus_dir / SEED_DOC).read_text(encoding="utf-8")
    for p in passages:
        assert source[p.start : p.end] == p.text
        assert p.start <= p.match_start < p.match_end <= p.end


@pytest.mark.parametrize(
    "question",
    [
        KEY_QUESTION,
        "西伯利亚力量2号管道每年最多可输送多少天然气？",
        "How much natural gas can the Power of Siberia 2 pipeline deliver each year?",
    ],
)
def test_three_languages_find_the_same_paragraph(seed_rag, question):
    answer = seed_rag.ask(question)
    assert answer.passages[0].paragraph_id == PIPELINE_PARAGRAPH
    assert any(c.paragraph_id == PIPELINE_PARAGRAPH for c in answer.citations)


@pytest.mark.parametrize("question", ["How do I bake sourdough bread?", "今天台北的天氣如何？", "怎么用Python读取CSV文件？"])
def test_off_topic_questions_get_a_plain_refusal(seed_rag, question):
    answer = seed_rag.ask(question)
    assert answer.abstained
    assert answer.citations == []
    assert "[" not in answer.text


def test_seed_question_set_answers(seed_rag):
    """Every answerable seed question quotes an accepted answer; most unanswerables are refused."""
    wrong, refused = [], 0
    rows = seed_questions()
    for row in rows:
        answer = seed_rag.ask(row["question"])
        if row.get("unanswerable"):
            refused += answer.abstained
        elif not any(a in answer.text for a in row["answers"]):
            wrong.append(row["id"])
    unanswerable = sum(1 for r in rows if r.get("unanswerable"))
    assert len(wrong) <= 4, wrong
    assert refused >= unanswerable // 2


def test_empty_question_is_refused(seed_rag):
    with pytest.raises(RagError, match="empty"):
        seed_rag.ask("  ")


def test_package_level_functions(seed_rag, monkeypatch):
    import rag

    monkeypatch.setattr(rag, "_default", seed_rag)
    assert rag.retrieve(KEY_QUESTION, k=2)[0].paragraph_id == PIPELINE_PARAGRAPH
    assert "500億立方公尺" in rag.ask(KEY_QUESTION).text
