"""A withheld answer gives way to a quote of the clear match.

When the model's answer does not pass its checks, the answer is withheld; but when the top
passage clearly leads the others (the lone-passage lead, rag.retrieval.fusion.leads_by), the
question most likely has its answer there, and the model only failed to say it: it named the
wrong one of two things in the sentence, wrote words the source does not have, or copied
sentences beside the answer. Then the answer quotes that passage's best sentence(s), word for
word, as the ``extractive`` answerer picks them (its score bar still applies), instead of
refusing; the model's sentences are kept beside it, marked unsupported. Never when the model
refused, in the fixed phrase or its own words: a question without an answer in the sources
keeps its refusal. Questions without an answer in the sources rarely have a clear match.
Only for Chinese questions: the lead was measured on Chinese questions over Chinese text, and
an English question's lead, found across languages, names the wrong passage more often.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.citations.pointed import denies
from rag.retrieval.fusion import leads_by
from rag.types import Passage, SentenceSupport

NAME = "quote-clear-match"


def may_quote_instead(
    language: str,
    model_text: str,
    withheld: Sequence[SentenceSupport],
    passages: Sequence[Passage],
    shown: Sequence[Passage],
    lead: float | None,
) -> bool:
    """Whether a withheld answer to a question in ``language`` (``withheld``: the model's
    sentences and why each failed) may be replaced by a quote of the top passage: a Chinese
    question; the model wrote an answer, not a refusal; the top passage leads by ``lead``; and
    the model was shown it."""
    if language == "en" or not withheld or denies(model_text) or any(denies(s.text) for s in withheld):
        return False
    return bool(shown) and shown[0].paragraph_id == passages[0].paragraph_id and leads_by(passages, lead)
