from __future__ import annotations

import re

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import SourceRule
from rag.citations.thresholds import CitationThresholds
from rag.text.language import HAN, bigrams
from rag.text.names import GLUE, as_written, name_in

_CONTEXT = re.compile(f"^[{HAN}0-9]+$")
# What may stand where the name was without being another subject: a pronoun refers back,
# and glue ("其后", "并") belongs to a sentence whose subject was named before it.
_NOT_A_SUBJECT = GLUE | frozenset("他她它其该此彼并又亦")
_SUBJECT_RUN = re.compile(f"[{HAN}A-Za-z·]{{1,4}}$")


def swapped_subject(sentence: str, name: str, sentences: tuple[str, ...] | list[str], t: CitationThresholds) -> str | None:
    """The words a source sentence has where ``sentence`` (matching form) has ``name``
    ("忽必烈"), when ``sentence`` is otherwise a copy of it; None when nothing was swapped.
    The paragraph (``sentences``, matching form) must nowhere say ``name`` next to the same words."""
    paragraph = "".join(sentences)
    rest = bigrams(sentence.replace(name, ""))
    width = t.context_chars
    for at in (m.start() for m in re.finditer(re.escape(name), sentence)):
        after = sentence[at + len(name) : at + len(name) + width]
        before = sentence[max(0, at - width) : at]
        for context, follows in ((after, True), (before, False)):
            if len(context) < width or not _CONTEXT.match(context):
                continue
            if (name + context if follows else context + name) in paragraph:
                continue
            for source in sentences:
                if context not in source or name_in(name, source):
                    continue
                if not rest or len(rest & bigrams(source)) / len(rest) < t.min_copy_overlap:
                    continue
                where = source.index(context)
                other = source[:where] if follows else source[where + len(context) :][::-1]
                run = _SUBJECT_RUN.search(other)
                subject = _after_glue(run.group(0)) if run else ""
                if len(subject) >= 2:
                    return subject if follows else subject[::-1]
    return None


def _after_glue(run: str) -> str:
    """The end of ``run`` after its last pronoun or glue character ("其后" -> "")."""
    cut = max((i + 1 for i, c in enumerate(run) if c in _NOT_A_SUBJECT), default=0)
    return run[cut:]


class SubjectNotSwapped(SourceRule):
    """A claim may not copy a source sentence with the question's name put where the source
    has another subject ("蒙哥於庚申年…自立為汗" from "忽必烈於庚申年…自立為汗"): the
    paragraph names both, so checks of the paragraph as a whole pass it. Four characters
    beside the name (CitationThresholds.context_chars) rarely recur by chance."""

    name = "subject-not-swapped"

    def applies(self, claim: Claim, j: int, shown: Shown) -> bool:
        return bool(claim.topic) and not shown.sources[j].english

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        source = shown.sources[j]
        for name in claim.topic:
            other = swapped_subject(claim.matched, name, source.sentences, self.thresholds)
            if other:
                return (
                    f"puts '{as_written(name, shown.question.text)}' where [{source.key}] says '{as_written(other, source.passage.text)}'"
                )
        return None
