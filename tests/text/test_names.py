from __future__ import annotations

import subprocess
import sys

import pytest

from rag.settings.citations import CitationThresholds
from rag.text.names import as_written, name_in
from rag.text.names import question_names as names_of


def question_names(question: str) -> tuple[str, ...]:
    return names_of(question, CitationThresholds().rare_character)


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("螭頭的主要功能是?", {"螭头"}),  # unknown to the dictionary: two single characters, one rare
        ("林鳳營何時獨立?", {"林凤营"}),
        ("歐洲人最早於何時抵達蘇利南?", {"苏利南"}),
        ("西伯利亞力量2號管道每年輸送多少天然氣?", {"西伯利亚"}),
    ],
)
def test_names_are_what_the_question_asks_about(question, names):
    assert set(question_names(question)) == names


def test_everyday_words_and_glue_are_not_names():
    # 負責/管理/單位 are dictionary words, not names; "號指" is two everyday characters.
    assert "负责" not in question_names("負責管理馬祖國家風景區的單位為？")
    assert "号指" not in question_names("「中業」號指的是哪一國的軍艦?")
    assert question_names("What is the yearly gas volume?") == ()


def test_names_are_shown_as_the_question_wrote_them():
    assert as_written("螭头", "螭頭的主要功能是?") == "螭頭"
    assert as_written("不在", "螭頭的主要功能是?") == "不在"


def test_a_run_is_found_by_the_piece_with_its_rare_character():
    # "劉昱殺" caught the verb after the name; a source naming 劉昱 names what was asked.
    assert "刘昱杀" in question_names("477年劉昱殺權臣阮佃夫的時候，他才幾歲?")
    assert name_in("刘昱杀", "刘昱即位后") and not name_in("刘昱杀", "阮佃夫专权")
    assert name_in("螭头", "伸出一石螭头") and not name_in("螭头", "水坝的主要功能")
    # A dictionary name is matched whole.
    assert not name_in("西伯利亚", "西伯")


def test_a_verb_phrase_of_everyday_glue_is_not_a_name():
    # 繳 is rare, but 繳得越多 is "the more one pays" (DRCD, --seed 2027 sample).
    assert "缴得越" not in question_names("國家的配額會影響所需繳的會費，繳得越多相對的什麼權利也越大?")


def test_a_question_without_chinese_does_not_load_jieba():
    # Loading jieba's dictionary takes about 0.7 s; an English question has no names for it.
    script = (
        "import sys; from rag.text.names import question_names; "
        "assert question_names('Who runs the Power of Siberia 2 pipeline?', 3000) == (); "
        "print('jieba' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
