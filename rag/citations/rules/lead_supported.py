from __future__ import annotations

from rag.citations.evidence import Shown
from rag.citations.rules.base import AnswerRule, Closeness, Ruling
from rag.types import SentenceSupport


class LeadSupported(AnswerRule):
    """An answer whose lead sentence (the first one: the one that answers the question)
    no source backs is withheld, whatever follows: a model that leads with a fabrication and
    then copies sources about something else has not answered."""

    name = "lead-supported"

    def judge(self, sentences: list[SentenceSupport], lead: int, shown: Shown, closeness: Closeness) -> Ruling | None:
        return Ruling(sentences, withhold=True) if not sentences[lead].supported else None
