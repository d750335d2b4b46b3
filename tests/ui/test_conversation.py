"""The page's saved conversation: restored from what the browser kept (bad entries
dropped), turned into history for a follow-up, and exported as Markdown."""

from __future__ import annotations

from rag.types import Answer, Citation, Passage
from rag.ui import conversation as C

PARAGRAPH = "對蒙古國而言，每年可以獲得10億美元的能源過境費收入（佔其GDP的2-3%）。"


def answer(question: str, standalone: str = "") -> Answer:
    passage = Passage(
        paragraph_id="a.txt#p9",
        doc_id="a.txt",
        score=1.0,
        text=PARAGRAPH,
        start=100,
        end=100 + len(PARAGRAPH),
        match_start=100,
        match_end=140,
        rank=1,
    )
    cite = Citation.quote(1, passage, 0, len(PARAGRAPH))
    return Answer(question=question, text=f"{PARAGRAPH} [1]", citations=[cite], passages=[passage], standalone_question=standalone)


def test_saved_turns_come_back_as_history_and_markdown():
    saved = [
        C.saved_turn("蒙古國每年可以獲得多少能源過境費收入？", "zh-Hant", answer("蒙古國每年可以獲得多少能源過境費收入？")),
        {"question": "broken", "language": "en", "answer": {"text": 3}},  # saved by another version: dropped
        C.saved_turn("這大約佔其GDP的多少？", "zh-Hant", answer("這大約佔其GDP的多少？", "蒙古國：這大約佔其GDP的多少？")),
    ]
    history = C.history(saved)
    assert [(t.role, t.content[:4]) for t in history] == [
        ("user", "蒙古國每"),
        ("assistant", "對蒙古國"),
        ("user", "這大約佔"),
        ("assistant", "對蒙古國"),
    ]
    markdown = C.markdown(saved)
    assert "## 1. 蒙古國每年可以獲得多少能源過境費收入？" in markdown and "## 2. 這大約佔其GDP的多少？" in markdown
    assert "*Answered as · 改寫為:* 蒙古國：這大約佔其GDP的多少？" in markdown
    assert f"[1] **a.txt ¶9** (characters 100–{100 + len(PARAGRAPH)})" in markdown and f"> {PARAGRAPH}" in markdown
    assert "broken" not in markdown


def test_rendered_turns_show_the_rewritten_question(tmp_path):
    saved = [C.saved_turn("這大約佔其GDP的多少？", "zh-Hant", answer("這大約佔其GDP的多少？", "蒙古國：這大約佔其GDP的多少？"))]
    [turn] = C.rendered(saved, tmp_path)
    assert 'class="standalone"' in turn["html"] and "蒙古國：這大約佔其GDP的多少？" in turn["html"]
    assert 'data-key="1"' in turn["cards"] and turn["n"] == 1
    assert C.rendered(None, tmp_path) == [] and C.markdown([]).startswith("# Conversation")
