"""Follow-ups made to stand alone without a model. The cases are the kinds a person types
(examples of our own, not from questions/conversations.jsonl, which measures the method)."""

from __future__ import annotations

import pytest

from rag.retrieval.followups import rewrite, standalone, subject_terms
from rag.types import Turn


def conversation(*questions: str) -> list[Turn]:
    turns = []
    for q in questions:
        turns += [Turn(role="user", content=q), Turn(role="assistant", content="（答案）")]
    return turns


def test_a_first_question_and_a_question_that_stands_alone_are_left_alone():
    assert not standalone("蒙古國每年可以獲得多少能源過境費收入？", []).rewritten
    history = conversation("蒙古國每年可以獲得多少能源過境費收入？")
    assert not standalone("臺灣的首都是哪裡？", history).rewritten
    assert not standalone("What is the capital of Japan?", conversation("How large is Mongolia?")).rewritten
    assert not standalone("Is there a railway between Ulaanbaatar and Beijing?", conversation("How large is Mongolia?")).rewritten


@pytest.mark.parametrize(
    "previous,follow_up,carried",
    [
        ("蒙古國每年可以獲得多少能源過境費收入？", "這大約佔其GDP的多少？", "蒙古國"),
        ("蒙古国每年可以获得多少能源过境费收入？", "这大约占其GDP的多少？", "蒙古国"),
        ("西伯利亞力量2號管道每年最多可輸送多少天然氣？", "它途經蒙古國哪個地區？", "西伯利亞"),
        ("西伯利亞力量2號管道每年最多可輸送多少天然氣？", "什麼時候完工？", "管道"),
        ("How much gas can the Power of Siberia 2 pipeline deliver per year?", "How long is it?", "Power of Siberia 2"),
        ("Who founded the Ming dynasty?", "When did he die?", "Ming"),
        ("蒙古國的人口有多少？", "在亞洲排第幾？", "蒙古國"),  # opens with its predicate: the subject is the context's
        ("蒙古國的首都是哪裡？", "是什麼時候定都的？", "蒙古國"),
    ],
)
def test_pronouns_and_missing_subjects_carry_the_previous_subject(previous, follow_up, carried):
    result = standalone(follow_up, conversation(previous))
    assert result.rewritten and carried in result.standalone and follow_up in result.standalone


@pytest.mark.parametrize(
    "previous,follow_up,expected",
    [
        ("What is Mongolia's Third Neighbor Policy?", "And China?", "What is China's Third Neighbor Policy?"),
        ("What about Mongolia's population?", "What about Kazakhstan?", "Kazakhstan"),
        ("蒙古國的首都是哪裡？", "那日本呢？", "日本的首都是哪裡？"),
    ],
)
def test_an_ellipsis_naming_a_new_subject_takes_the_old_ones_place(previous, follow_up, expected):
    result = standalone(follow_up, conversation(previous))
    assert expected in result.standalone


def test_an_ellipsis_naming_a_new_attribute_keeps_the_subject():
    result = standalone("那人口呢？", conversation("蒙古國的首都是哪裡？"))
    assert "蒙古國" in result.standalone and "人口" in result.standalone


def test_the_subject_carries_through_a_chain_of_follow_ups():
    history = conversation("西伯利亞力量2號管道每年最多可輸送多少天然氣？", "它途經蒙古國哪個地區？")
    assert "西伯利亞" in standalone("這條管道什麼時候動工？", history).standalone


def test_subject_terms_are_names_and_nouns_in_the_questions_own_script():
    names, others = subject_terms("蒙古國每年可以獲得多少能源過境費收入？")
    assert "蒙古國" in names and "過境費" in others and not any(w in names + others for w in ("多少", "每年"))
    assert subject_terms("What is Mongolia's Third Neighbor Policy?")[0] == ["Mongolia", "Third Neighbor Policy"]
    assert rewrite("這個呢？", None).standalone == "這個呢？"  # nothing to carry from


def test_the_conversation_ranking_lifts_what_answered_the_previous_question():
    from rag.retrieval.followups import conversation_ranking
    from rag.retrieval.fusion import RRF_K
    from rag.types import Passage

    def ranking(*ids: str) -> list[Passage]:
        return [
            Passage(paragraph_id=i, doc_id="d", score=1.0 / r, text=i, start=0, end=1, match_start=0, match_end=1, rank=r)
            for r, i in enumerate(ids, 1)
        ]

    now, before = ranking("a", "b", "c", "p"), ranking("p", "q")
    fused = conversation_ranking(now, before, 3, weight=0.5)
    assert [p.paragraph_id for p in fused] == ["p", "a", "b"] and [p.rank for p in fused] == [1, 2, 3]
    assert fused[0].text == "p" and fused[0].dense_score == now[3].dense_score  # the follow-up's own passage is kept
    assert fused[0].score == pytest.approx(1 / (RRF_K + 4) + 0.5 / (RRF_K + 1))  # with the score that ordered it
    assert [p.paragraph_id for p in conversation_ranking(now, before, 3, weight=0.0)] == ["a", "b", "c"]


@pytest.mark.parametrize(
    "previous,follow_up,carried",
    [
        ("中國在哪一年加入世界貿易組織？", "對此美國有什麼反應？", "世界貿易組織"),  # 對此: "to this"
        ("日本為什麼要排放核處理水？", "這樣做會影響哪些國家的漁業？", "日本"),  # 這樣做: "doing so"
        ("Which city hosted the 2008 Olympics?", "What kind of stadium was built there in 2008?", "Olympics"),  # there
        ("Which rivers flow through Mongolia?", "Which is the longest one of all?", "Mongolia"),  # one
        ("When was the Eiffel Tower built?", "Who designed the tower?", "Eiffel Tower"),  # a definite noun, no name
    ],
)
def test_more_ways_of_pointing_back(previous, follow_up, carried):
    result = standalone(follow_up, conversation(previous))
    assert result.rewritten and carried in result.standalone


def test_a_previous_question_whose_name_jieba_misses_is_carried_as_asked():
    """No name tagged in 「孫運璿生於哪一年？」: its own words, less what it asked, come along."""
    assert subject_terms("孫運璿生於哪一年？") == ([], [])  # if jieba learns the name, this case tests nothing
    result = standalone("他後來擔任過什麼職位？", conversation("孫運璿生於哪一年？"))
    assert result.rewritten and "孫運璿" in result.standalone and "哪一年" not in result.standalone
    # Question words go as whole words: a name that holds one of their characters stays whole.
    assert "嗎啡" in standalone("它什麼時候傳入中國？", conversation("嗎啡是誰發明的？")).standalone


def test_there_and_the_with_a_name_are_not_pointers():
    assert not standalone("Is there a railway between Ulaanbaatar and Beijing?", conversation("How large is Mongolia?")).rewritten
    assert not standalone("Will there be a railway to Beijing by 2030?", conversation("How large is Mongolia?")).rewritten
    assert not standalone("What is the number one export of Chile?", conversation("How large is Mongolia?")).rewritten
    assert not standalone("What is the population of Japan?", conversation("How large is Mongolia?")).rewritten
    assert not standalone("Which is the largest city of Japan?", conversation("How large is Mongolia?")).rewritten


def test_a_nameless_question_that_finds_nothing_clear_leans_on_the_conversation():
    """No rule calls 「想申請的話要準備哪些文件才能辦理？」 a follow-up; the caller's test (its
    own retrieval finds no clear match) does. A question with a name of its own is not asked."""
    previous = "臺北市立圖書館的借書證怎麼辦理？"
    question = "想申請的話要準備哪些文件才能辦理？"
    assert not rewrite(question, previous).rewritten
    assert not rewrite(question, previous, leans=lambda q: False).rewritten
    carried = rewrite(question, previous, leans=lambda q: True)
    assert carried.rewritten and "圖書館" in carried.standalone and carried.standalone.endswith(question)

    def never(q):
        raise AssertionError(f"asked about {q}")

    assert not rewrite("蒙古國的首都是哪裡？", previous, leans=never).rewritten  # names its subject
    assert rewrite("它是哪一年成立的？", previous, leans=never).rewritten  # a rule already says so
