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
    """``passages`` cut to about ``budget`` tokens in all: first each passage's sentence that
    best matches ``question`` (best passages first), then those sentences' ``neighbours``
    either side, then each passage's next best sentences. A passage with no sentence
    within the budget is left out (the best one always keeps its best sentence); the rest
    keep their keys. ``budget`` 0 keeps whole paragraphs."""
    if budget < 0 or neighbours < 0:
        raise ValueError(f"budget and neighbours must be >= 0, got {budget}, {neighbours}")
    if budget == 0:
        return passages
    wanted = set(lexical_tokens(question))
    plans = []
    for p in passages:
        spans = sentence_spans(p.text)
        scores = _sentence_scores(p.text, spans, wanted)
        plans.append((p, spans, sorted(range(len(spans)), key=lambda i: (-scores[i], i))))
    chosen: list[set[int]] = [set() for _ in passages]
    used = 0

    def add(n: int, j: int, always: bool = False) -> None:
        nonlocal used
        p, spans, _ = plans[n]
        if 0 <= j < len(spans) and j not in chosen[n]:
            cost = estimated_tokens(p.text[spans[j][0] : spans[j][1]])
            if always or used + cost <= budget:
                chosen[n].add(j)
                used += cost

    for n, (_, _, order) in enumerate(plans):
        if order:
            add(n, order[0], always=n == 0)
    for n, (_, _, order) in enumerate(plans):
        if chosen[n]:
            for step in range(1, neighbours + 1):
                add(n, order[0] - step)
                add(n, order[0] + step)
    for depth in range(1, max((len(o) for _, _, o in plans), default=0)):
        for n, (_, _, order) in enumerate(plans):
            if chosen[n] and depth < len(order):
                add(n, order[depth])
    return [_cut(p, spans, chosen[n]) for n, (p, spans, _) in enumerate(plans) if chosen[n]]


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


def fits(passages: list[Passage], budget: int) -> bool:
    """Whether ``passages`` are read whole within ``budget`` (their excerpts are themselves)."""
    return [p.text for p in excerpts("", passages, budget)] == [p.text for p in passages]
