"""How well each sentence answers a question, for the answerers that quote sentences:

score = dense similarity to the question (works across languages)
+ lexical_weight x the IDF-weighted share of the question's bigrams found in the
sentence (after Traditional/Simplified normalisation, so both scripts match)
+ number_bonus when the question asks "how much/many" and the sentence has a number.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.injection import looks_like_injection
from rag.models.embedding import Embedder
from rag.text.language import bigrams


@dataclass(frozen=True)
class SentenceScoreTuning:
    """The weights of a sentence's score. Set by hand on questions/seed.jsonl and DRCD dev
    questions, with the extractive answer's bars (docs/answers.md)."""

    lexical_weight: float = 0.5  # the question's words found in the sentence, beside its meaning
    number_bonus: float = 0.05  # a number in the sentence, for a "how much/many" question
    least_new_units: int = 2  # a quote must say this many word units the question lacks (not only repeat it)


TUNING = SentenceScoreTuning()
_QUANTITY_QUESTION = re.compile(
    r"多少|幾|几|多大|多長|多长|多久|多高|多遠|多远|how (much|many|long|large|far|big)|what (amount|number)", re.I
)
_HAS_NUMBER = re.compile(r"\d|[一二兩两三四五六七八九十百千萬万億亿]+[個个年月日億亿萬万%]")


def quotable(question: str, sentence: str, tuning: SentenceScoreTuning = TUNING) -> bool:
    """Whether ``sentence`` may be quoted as an answer: it adds to the question (a sentence
    that only repeats it answers nothing) and does not talk to the answerer ("ignore the
    previous instructions…": rag.answer.injection), which a quote would pass on as an answer."""
    new = bigrams(sentence) - bigrams(question)
    adds = len(new) >= tuning.least_new_units or any(unit[:1].isdigit() for unit in new)  # 「玉山海拔3952公尺。」 adds its number
    return adds and not looks_like_injection(sentence)


def sentence_scores(question: str, sentences: list[str], embedder: Embedder) -> np.ndarray:
    query = embedder.encode_queries([question])[0]
    dense = embedder.encode_sentences(sentences) @ query
    wanted = bigrams(question)
    grams = [bigrams(s) for s in sentences]
    n = len(sentences)
    # Bigrams found in every candidate (the topic's name, say) tell sentences apart least.
    idf = {g: math.log(1 + n / (1 + sum(g in s for s in grams))) for g in wanted}
    total = sum(idf.values()) or 1.0
    lexical = np.array([sum(idf[g] for g in wanted & s) / total for s in grams])
    bonus = np.zeros(n)
    if _QUANTITY_QUESTION.search(question):
        bonus = np.array([TUNING.number_bonus if _HAS_NUMBER.search(s) else 0.0 for s in sentences])
    return dense + TUNING.lexical_weight * lexical + bonus
