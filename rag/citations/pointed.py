"""The sentence a model pointed at, quoted when its own words do not hold.

With sentence keys ([2.3]) a small model often points at the right sentence while its words
fail: it answers with the key alone ("[1.3]"), repeats the question and puts the key where
the answer should be ("…一定會經過 [1.2]。"), or writes a claim the sources do not back
while pointing at the sentence that does answer. Then the answer quotes that sentence, word
for word, under the same key. Only a sentence sharing words with the question is quoted, and
the quote is checked like any claim (a long one must also stay close to the question); a
quote that fails gives way to another pointed at, or the answer stands as the model wrote
it. A refusal, the fixed phrase or the model's own "the sources do not mention…", is never
replaced by what it pointed at. A short right answer made only of the question's words
("A還是B？" -> "B [1.2]") counts as repeating the question, and so gives way to the
sentence it pointed at.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rag.citations.claims import is_filler
from rag.settings.citations import RuleName
from rag.text.language import bigrams, normalize_for_matching
from rag.text.markers import CITATION, marker_sentences

NAME: RuleName = "quote-pointed-sentence"
# A claim that says the sources lack the answer, in the model's own words (matching form:
# Simplified, lower case), is a refusal, not an answer to replace by what it pointed at.
_DENIES = re.compile(
    r"没有(?:提到|提及|说明|记载|相关|包含|给出|提供|列出)|未(?:提到|提及|说明|记载|给出|提供|载明|列出)|找不到|不包含|并未"
    r"|无法(?:回答|确定|得知|判断|从.{0,12}得知)|无从得知|不详|不清楚|只提到|没有.{0,12}(?:信息|资讯|数据|资料|记载)"
    r"|\b(?:not|never)\s+(?:mention|mentioned|say|said|state|stated|contain|contains|provide|provided|given|specif|known|clear|available)"
    r"|\bno\s+(?:information|mention|answer|data|details)|\bdoes\s+not\s+(?:say|state|contain|mention)|\bunknown\b|\bunclear\b"
)
# (text, keys, pointers): one claim as rag.citations.claims writes it.
Triple = tuple[str, list[int], list[tuple[int, int]]]


def bare_pointers(answer: str) -> list[tuple[int, int]]:
    """The sentences an answer points at when it says nothing else ("[1.3]", "[2.1]、[2.2]。")."""
    if not is_filler(CITATION.sub("", answer)):
        return []
    return list(dict.fromkeys(p for m in CITATION.finditer(answer) for p in marker_sentences(m.group(1))))


def denies(text: str) -> bool:
    """The claim says the sources do not hold the answer ("資料中沒有提到…")."""
    return bool(_DENIES.search(normalize_for_matching(text)))


def quotable(sentence: str, question: str, min_shared: int) -> bool:
    """A source sentence shares at least ``min_shared`` word pairs (Han bigrams, Latin words,
    numbers) with the question, whatever its length, to stand in as its answer."""
    return len(bigrams(sentence) & bigrams(question)) >= min_shared


def repeats_question(text: str, question: str) -> bool:
    """Every word pair of ``text`` is the question's: it adds nothing the user did not write."""
    grams = bigrams(text)
    return bool(grams) and grams <= bigrams(question)


def quotes_of(
    pointers: list[tuple[int, int]] | tuple[tuple[int, int], ...], pointed: Mapping[tuple[int, int], str], question: str, min_shared: int
) -> list[Triple]:
    """One claim per sentence pointed at that the prompt numbered and that shares enough words
    with the question (``quotable``), in the order pointed."""
    return [(pointed[p], [p[0]], [p]) for p in dict.fromkeys(pointers) if p in pointed and quotable(pointed[p], question, min_shared)]
