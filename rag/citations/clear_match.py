"""A withheld answer gives way to a quote of the clear match.

When the model's answer does not pass its checks, the answer is withheld; but when the top
passage is clearly first (the lone-passage margin, rag.retrieval.fusion.clear_by), the
question most likely has its answer there, and the model only failed to say it: citing that
passage, it named the wrong one of two things in the sentence, wrote words the source does
not have, or copied sentences beside the answer. Then the answer quotes that passage's best
sentence(s), word for word, as the ``extractive`` answerer picks them (its score bar still
applies), after a line saying it is a quote (rag.text.language.QUOTED_INSTEAD), instead of
refusing; what the model wrote is kept beside it, not used. Never when the model refused, in
the fixed phrase or in its own words ("資料中沒有提供…", "無法得知…",
rag.citations.pointed.denies), nor after a refusal it was asked again for (it had read the
clear match alone and said no), nor when it did not cite the clear match (garbage, or an
answer from elsewhere). Only for a Chinese question over a Chinese passage: the margin was
measured on Chinese questions over Chinese text, and a margin found across languages names the
wrong passage more often.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.citations.pointed import denies
from rag.retrieval.fusion import clear_by
from rag.settings.citations import RuleName
from rag.text.language import detect_language
from rag.types import Passage, SentenceSupport

NAME: RuleName = "quote-clear-match"


def may_quote_instead(
    language: str,
    model_text: str,
    withheld: Sequence[SentenceSupport],
    passages: Sequence[Passage],
    shown: Sequence[Passage],
    margin: float | None,
) -> bool:
    """Whether a withheld answer to a question in ``language`` (``withheld``: the model's
    sentences and why each failed) may be replaced by a quote of the top passage: a Chinese
    question and passage; the model wrote an answer, not a refusal, citing that passage; it
    is first by ``margin``; and the model was shown it."""
    if language == "en" or not withheld or denies(model_text) or any(denies(s.text) for s in withheld):
        return False
    if not passages or detect_language(passages[0].text) == "en":  # a Chinese question over English text: across languages too
        return False
    if not any(passages[0].rank in s.cited for s in withheld):  # the model did not point at it (or wrote no answer at all)
        return False
    return bool(shown) and shown[0].paragraph_id == passages[0].paragraph_id and clear_by(passages, margin)
