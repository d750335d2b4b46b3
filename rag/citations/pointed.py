"""The sentence a model pointed at, quoted when its own words do not hold.

With sentence keys ([2.3]) a small model often points at the right sentence while its words
fail: it answers with the key alone ("[1.3]"), repeats the question and puts the key where
the answer should be ("…一定會經過 [1.2]。"), or writes a claim the sources do not back
while pointing at the sentence that does answer. Then the answer quotes that sentence, word
for word, under the same key, and the quote is checked like any claim (the question's
subject must be in its paragraph, the answer must stay close to the question). A refusal
keeps no key (rag.citations.claims drops it), so nothing is quoted for it.
"""

from __future__ import annotations

from collections.abc import Mapping

from rag.citations.claims import is_filler
from rag.citations.markers import CITATION, marker_sentences
from rag.text.language import bigrams

NAME = "quote-pointed-sentence"
# (text, keys, pointers): one claim as rag.citations.claims writes it.
Triple = tuple[str, list[int], list[tuple[int, int]]]


def bare_pointers(answer: str) -> list[tuple[int, int]]:
    """The sentences an answer points at when it says nothing else ("[1.3]", "見 [2.1]。")."""
    if not is_filler(CITATION.sub("", answer)):
        return []
    return list(dict.fromkeys(p for m in CITATION.finditer(answer) for p in marker_sentences(m.group(1))))


def repeats_question(text: str, question: str) -> bool:
    """Every word pair of ``text`` is the question's: it adds nothing the user did not write."""
    grams = bigrams(text)
    return bool(grams) and grams <= bigrams(question)


def quotes_of(pointers: list[tuple[int, int]] | tuple[tuple[int, int], ...], pointed: Mapping[tuple[int, int], str]) -> list[Triple]:
    """One claim per sentence pointed at that the prompt numbered, in the order pointed."""
    return [(pointed[p], [p[0]], [p]) for p in dict.fromkeys(pointers) if p in pointed]
