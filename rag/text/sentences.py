"""Sentence boundaries for Chinese and Latin text, shared by the chunker and the
answerers so that both agree on what "one sentence" is."""

from __future__ import annotations

import re

# A sentence ends at 。！？；(full- and half-width kin) or …, plus any closing quotes or
# brackets right after it, so that 「…。」 stays whole.  Latin . ! ? end a sentence only
# when followed by white space, so 2.5 and U.S. do not split.
_CLOSERS = "」』”’）)】》〉\"'"
SENTENCE_END = rf"(?:[。！？；｡!?;]+|……|…)[{_CLOSERS}]*|(?<=[A-Za-z0-9)])[.!?]+[{_CLOSERS}]*(?=\s)"
# Weaker boundaries, used only when one sentence is longer than a chunk.
CLAUSE_END = r"[，、：]|[,:](?!\d)"  # not the comma in 4,000

_SENTENCE_RE = re.compile(SENTENCE_END)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence, white space trimmed, in order."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_RE.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        stripped = piece.strip()
        if stripped:
            a += len(piece) - len(piece.lstrip())
            out.append((a, a + len(stripped)))
    return out
