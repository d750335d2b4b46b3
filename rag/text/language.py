"""Which language a question is in, and one script for matching Chinese text.

Traditional and Simplified Chinese meet in Simplified form (OpenCC ``tw2s``, which
also maps Taiwan phrasing) for every comparison; what users see keeps the corpus's
own characters.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from opencc import OpenCC

# The one range of Han characters every module matches with (CJK Extension A, the unified
# block and the compatibility ideographs), written to go inside a character class.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"[{HAN}]")
_TOKEN = re.compile(f"[{HAN}]|[a-z]+|\\d+(?:[.,]\\d+)*")

REFUSALS = {
    "zh-Hant": "資料中找不到這個問題的答案。",
    "zh-Hans": "资料中找不到这个问题的答案。",
    "en": "The sources do not contain the answer to this question.",
}
# Begins an answer that quotes the clear match because the model's own did not pass its
# checks (rag.citations.clear_match), so every output says it is a quote.
QUOTED_INSTEAD = {
    "zh-Hant": "模型的回答沒有通過檢查，以下引用最相符段落的原文：",
    "zh-Hans": "模型的回答没有通过检查，以下引用最相符段落的原文：",
    "en": "The model's answer did not pass its checks; the best-matching passage says: ",
}


@functools.lru_cache(maxsize=4)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("tw2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2tw").convert(text)


def detect_language(text: str) -> str:
    """'zh-Hant', 'zh-Hans' or 'en' (anything without Chinese characters)."""
    han = _CJK.findall(text)
    if not han:
        return "en"
    joined = "".join(han)
    simplified = to_simplified(joined)
    traditional = to_traditional(joined)
    # Count characters that differ between scripts; most text shares most characters.
    trad_marks = sum(a != b for a, b in zip(joined, simplified, strict=True))
    simp_marks = sum(a != b for a, b in zip(joined, traditional, strict=True))
    return "zh-Hans" if simp_marks > trad_marks else "zh-Hant"


def normalize_for_matching(text: str) -> str:
    return to_simplified(unicodedata.normalize("NFKC", text)).lower()


def match_tokens(text: str) -> list[str]:
    """Han characters one by one, Latin words, numbers (4,000 kept whole)."""
    return _TOKEN.findall(normalize_for_matching(text))


def bigrams(text: str) -> set[str]:
    """Han character bigrams plus Latin words and numbers: the lexical units we match on."""
    tokens = match_tokens(text)
    out: set[str] = set()
    for a, b in zip(tokens, tokens[1:], strict=False):
        if _CJK.match(a) and _CJK.match(b):
            out.add(a + b)
    out.update(t for t in tokens if not _CJK.match(t))
    return out
