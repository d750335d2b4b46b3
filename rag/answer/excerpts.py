"""The evidence a model reads, within a token budget: the sentences of each shown passage
that share most words with the question, with their neighbours, instead of whole
paragraphs. Reading the prompt is most of a local model's time on 2 cores, so a shorter
prompt is a faster first word. Each excerpt keeps its passage's key, so citations still
name paragraphs, and the verifier still checks claims against the whole paragraph.
"""

from __future__ import annotations

import re

from rag.index.lexical import lexical_tokens
from rag.text.sentences import sentence_spans
from rag.types import Passage

GAP = "……"  # between two excerpts of one paragraph that are not next to each other
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def estimated_tokens(text: str) -> int:
    """About how many tokens a Qwen-style tokenizer makes of ``text``: a Chinese character
    is about one token at most, other text about four characters a token."""
    cjk = len(_CJK.findall(text))
    return cjk + (len(text) - cjk + 3) // 4


def _sentence_scores(text: str, spans: list[tuple[int, int]], question: set[str]) -> list[float]:
    scores = []
    for a, b in spans:
        tokens = set(lexical_tokens(text[a:b]))
        scores.append(len(tokens & question) / (1 + len(question)))
    return scores


def excerpts(question: str, passages: list[Passage], budget: int, neighbours: int = 1) -> list[Passage]:
    """``passages`` with their text cut to the sentences that best match ``question`` and
    ``neighbours`` sentences either side, best passages first, until about ``budget``
    tokens in all; ``budget`` 0 keeps whole paragraphs. Every passage keeps at least its
    best sentence (a passage shown without text could not be cited at all)."""
    if budget < 0 or neighbours < 0:
        raise ValueError(f"budget and neighbours must be >= 0, got {budget}, {neighbours}")
    if budget == 0:
        return passages
    wanted = set(lexical_tokens(question))
    plans = []
    for p in passages:
        spans = sentence_spans(p.text)
        scores = _sentence_scores(p.text, spans, wanted)
        order = sorted(range(len(spans)), key=lambda i: (-scores[i], i))
        plans.append((p, spans, order))
    chosen: list[set[int]] = [set() for _ in passages]
    used = 0

    def take(n: int, i: int) -> None:
        nonlocal used
        p, spans, _ = plans[n]
        for j in range(max(0, i - neighbours), min(len(spans), i + neighbours + 1)):
            if j not in chosen[n]:
                chosen[n].add(j)
                used += estimated_tokens(p.text[spans[j][0] : spans[j][1]])

    # First the best sentence of every passage, in rank order; then, while the budget lasts,
    # each passage's next best, the better-ranked passages first.
    for depth in range(max((len(o) for _, _, o in plans), default=0)):
        for n, (_, _, order) in enumerate(plans):
            if depth < len(order) and (used < budget or not chosen[n]):
                take(n, order[depth])
        if used >= budget:
            break
    return [_cut(p, spans, chosen[n]) for n, (p, spans, _) in enumerate(plans)]


def _cut(passage: Passage, spans: list[tuple[int, int]], keep: set[int]) -> Passage:
    if len(keep) == len(spans):
        return passage
    pieces, last = [], None
    for j in sorted(keep):
        if last is not None:  # what stood between two kept sentences: a space, or a cut
            pieces.append(passage.text[spans[last][1] : spans[j][0]] if j == last + 1 else GAP)
        pieces.append(passage.text[spans[j][0] : spans[j][1]])
        last = j
    return passage.model_copy(update={"text": "".join(pieces)})
