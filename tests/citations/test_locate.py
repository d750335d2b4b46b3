"""A citation's quoted span (what the page highlights) is the source sentence that says the
claim, found by the claim's numbers by value across languages, then by its words."""

from __future__ import annotations

import pytest

from rag.citations.locate import citation_for
from rag.types import Passage

SUMMIT = "2025年9月2日，中俄蒙三國元首在北京舉行第七次會談，三方就途經蒙古國的「西伯利亞力量2號」（Power of Siberia 2）管道簽署法律文件。"
VOLUME = "該管道途經蒙古國東部，俄羅斯每年最多可向中國輸送500億立方公尺天然氣。"


def paragraph() -> Passage:
    text = SUMMIT + VOLUME
    return Passage(
        paragraph_id="a.txt#p8", doc_id="a.txt", score=1.0, text=text, start=40, end=40 + len(text), match_start=40, match_end=60, rank=1
    )


@pytest.mark.parametrize(
    "claim,expected",
    [
        # The name's "2" is in the first sentence, the amount in the second: the amount decides.
        ("The Power of Siberia 2 pipeline can deliver up to 50 billion cubic meters of natural gas a year [1].", VOLUME),
        ("西伯利亚力量2号管道每年最多可输送500亿立方公尺天然气。", VOLUME),
        ("The three leaders met in Beijing on September 2, 2025.", SUMMIT),
        ("三國元首在北京舉行第七次會談。", SUMMIT),
    ],
)
def test_the_span_is_the_sentence_that_says_the_claim(claim, expected):
    citation = citation_for(claim, paragraph())
    assert citation.text == expected
    assert paragraph().text[citation.start - 40 : citation.end - 40] == expected
