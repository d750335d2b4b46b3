"""When the library's sources disagree on what a lookup asks, the answer says so and cites both.

A notice claiming 9999億立方公尺 beside an article saying 500億立方公尺 for the same pipeline
used to give one figure as if it were the only one. After any answer model's verified
answer to a lookup, the other passages it was given are read for a sentence that answers the
question about as well as the one cited (``DisagreementTuning.score_margin``), states an amount
in the same unit, and none of the answer's values for it. Such a sentence is added after the
answer, introduced as a disagreement, quoted verbatim and cited like any other quote.
Questions that need explaining are left alone: their several sentences may well give
several figures on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rag.answer.backends import Final, Token
from rag.answer.sentence_scores import quotable, sentence_scores
from rag.models.embedding import Embedder
from rag.text.kinds import is_open, question_kind
from rag.text.language import bigrams, detect_language
from rag.text.markers import cite
from rag.text.numbers import amounts_by_unit, same_value
from rag.text.sentences import sentence_spans
from rag.types import Answer, Citation, Passage, SentenceSupport


@dataclass(frozen=True)
class DisagreementTuning:
    """What counts as another source answering the same question differently."""

    passages_read: int = 5  # the answer's passages searched for another figure, best first
    score_margin: float = 0.25  # a sentence scoring this close to the cited one answers the same question
    shared_wording: float = 0.3  # and says its amount in these words: this share of the cited sentence's word units


TUNING = DisagreementTuning()
NOTE = {"zh-Hant": "但來源說法不一：", "zh-Hans": "但来源说法不一：", "en": "But the sources disagree:"}


def _differs(stated: dict[str, set[float]], other: dict[str, set[float]]) -> set[str]:
    """The units in which ``other`` states an amount, none of whose values the answer gives."""
    return {unit for unit, values in other.items() if unit in stated and not any(same_value(v, w) for v in values for w in stated[unit])}


def _says_the_same_thing(sentence: str, units: set[str], quoted: list[str], share: float) -> bool:
    """Whether ``sentence`` is worded like a quote stating an amount in one of ``units`` (the
    same measure of the same thing, not another figure that happens to share its unit: a
    project's cost in 美元 beside the transit fee in 美元)."""
    words = bigrams(sentence)
    for quote in quoted:
        if units & set(amounts_by_unit(quote)):
            theirs = bigrams(quote)
            if theirs and len(words & theirs) / len(theirs) >= share:
                return True
    return False


def disagreeing(
    question: str, answer: Answer, embedder: Embedder, min_score: dict[str, float], tuning: DisagreementTuning = TUNING
) -> tuple[Passage, int, int] | None:
    """The sentence (passage, start, end) of another paragraph that answers ``question`` with a
    different amount than ``answer`` does, or None."""
    if answer.abstained or answer.error or not answer.citations or is_open(question_kind(question)):
        return None
    stated = amounts_by_unit(answer.text)
    if not stated:
        return None
    cited = {c.paragraph_id for c in answer.citations}
    quoted = [c.text for c in answer.citations]
    others = []
    for p in answer.passages[: tuning.passages_read]:
        for a, b in sentence_spans(p.text) if p.paragraph_id not in cited else []:
            if not quotable(question, p.text[a:b]):  # it talks to the model, or only repeats the question
                continue
            units = _differs(stated, amounts_by_unit(p.text[a:b]))
            if units and _says_the_same_thing(p.text[a:b], units, quoted, tuning.shared_wording):
                others.append((p, a, b))
    if not others:
        return None
    scores = sentence_scores(question, quoted + [p.text[a:b] for p, a, b in others], embedder)
    best_quoted, theirs = float(scores[: len(quoted)].max()), scores[len(quoted) :]
    bar = max(min_score["en" if detect_language(question) == "en" else "zh"], best_quoted - tuning.score_margin)
    best = int(np.argmax(theirs))
    return others[best] if theirs[best] >= bar else None


def with_disagreement(question: str, answer: Answer, embedder: Embedder, min_score: dict[str, float]) -> Answer:
    """``answer``, followed by the disagreeing sentence and its citation when there is one."""
    found = disagreeing(question, answer, embedder, min_score)
    if found is None:
        return answer
    passage, a, b = found
    said = f"{NOTE[detect_language(question)]}{passage.text[a:b]}"
    update: dict = {
        "text": f"{answer.text.rstrip()} {said} {cite(passage.rank)}",
        "citations": [*answer.citations, Citation.quote(passage.rank, passage, a, b)],
    }
    if answer.sentences:  # a model's answer is shown sentence by sentence (rag.ui.render): the note is one more
        quoted = SentenceSupport(text=said, cited=[passage.rank], keys=[passage.rank], supported=True)
        update["sentences"] = [*answer.sentences, quoted]
    return answer.model_copy(update=update)


def noting_disagreement(
    events: Iterator[Token | Final], question: str, embedder: Embedder, min_score: dict[str, float]
) -> Iterator[Token | Final]:
    """The answer model's events, its final answer with the sources' disagreement added."""
    for event in events:
        if isinstance(event, Final):
            yield Final(with_disagreement(question, event.answer, embedder, min_score))
        else:
            yield event
