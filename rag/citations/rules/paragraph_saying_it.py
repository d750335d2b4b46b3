from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import Choice, KeyRule
from rag.text.language import bigrams
from rag.text.names import as_written, name_in


def subject_sentence_overlap(grams: frozenset[str] | set[str], names: tuple[str, ...] | list[str], sentences: tuple[str, ...]) -> float:
    """Share of ``grams`` (a claim's bigrams) in the one source sentence that best holds them
    among those naming one of ``names``; 0.0 when no sentence names one."""
    if not grams:
        return 0.0
    naming = [source for source in sentences if any(name_in(name, source) for name in names)]
    return max((len(grams & bigrams(source)) / len(grams) for source in naming), default=0.0)


class ParagraphSayingIt(KeyRule):
    """A claim about what the question asks moves to the same-language source whose sentence
    naming that subject holds far more of it than any such sentence of the cited source:
    there it is said of the subject, not of a neighbour the cited paragraph also names."""

    name = "paragraph-saying-it"

    def choose(self, claim: Claim, shown: Shown, passing: list[int], kept: list[int]) -> Choice | None:
        if not claim.topic or not kept or not claim.same_language(shown.source(kept[0])):
            return None
        same = [k for k in passing if claim.same_language(shown.source(k))]
        said = {k: subject_sentence_overlap(claim.grams, claim.topic, shown.source(k).sentences) for k in {*same, *kept}}
        best = max(same, key=lambda k: said[k], default=None)
        t = self.thresholds
        if best is None or best in kept or said[best] < t.min_subject_overlap or said[best] - max(said[k] for k in kept) < t.subject_margin:
            return None
        named = as_written(claim.topic[0], shown.question.text)
        return Choice([best], f"re-pointed from {list(claim.cited)} to [{best}], whose sentence naming '{named}' says it")
