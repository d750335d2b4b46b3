from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import SourceRule
from rag.text.names import as_written, name_in


class SubjectNamedInSource(SourceRule):
    """A claim that repeats what the question asks about (its names, rag.text.names) is backed
    only by a Chinese source that names it too: a claim about 螭頭 is not backed by a paragraph
    about dams, however many words they share. English sources could only name it in
    translation, so they are not asked."""

    name = "subject-named-in-source"

    def applies(self, claim: Claim, j: int, shown: Shown) -> bool:
        return bool(claim.topic) and not shown.sources[j].english

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        source = shown.sources[j]
        lacking = [n for n in claim.topic if not name_in(n, source.body)]
        if not lacking:
            return None
        return f"'{as_written(lacking[0], shown.question.text)}', which the question asks about, is not in [{source.key}]"
