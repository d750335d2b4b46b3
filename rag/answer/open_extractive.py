"""Extractive answers to questions that need explaining (rag.text.kinds): a few sentences of
the gathered evidence (rag.retrieval.gather), never one twice nor two that say the same,
in document order, each cited; a list as one item a line.

Sentences are scored as ``extractive`` scores them (meaning and words against the
question); for an overview or summary, how central a sentence is to the evidence counts
too (rag.index.doc_map's centroid), since such a question names little besides its topic.
Each next sentence must not repeat one already taken (maximal marginal relevance over
their words). A sentence far below the best is not quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.answer.sentence_scores import quotable, sentence_scores
from rag.index.doc_map import centroid_order, weighted_matrix
from rag.models.embedding import Embedder
from rag.text.language import REFUSALS, detect_language
from rag.text.markers import cite
from rag.text.sentences import sentence_spans
from rag.types import Answer, Citation, Passage


@dataclass(frozen=True)
class OpenTuning:
    """Sentences per kind and the bars they must pass; chosen on questions/open-dev.jsonl
    (docs/answers.md), never on the held-out set."""

    sentences: tuple[tuple[str, int], ...] = (  # at most, quoted for each kind of question
        ("overview", 6),
        ("summary", 6),
        ("why", 4),
        ("how", 5),
        ("list", 8),
        ("compare", 5),
        ("timeline", 6),
    )
    other_sentences: int = 4  # at most, for a kind not listed above
    redundancy: float = 0.5  # word overlap (weighted cosine) above which a sentence repeats one taken
    below_best: float = 0.25  # a sentence scoring this much under the best is not quoted (kinds other than overview/summary)
    bar_relief: float = 0.0  # how much lower an open question's bar is than a lookup's (lower answers off-topic questions)
    centrality_weight: float = 0.5  # overview and summary: weight of closeness to the evidence's centroid


TUNING = OpenTuning()
# The line before a list, in the question's language: the items are quotes, as the sources say them.
LIST_HEAD = {"zh-Hant": "資料中提到：", "zh-Hans": "资料中提到：", "en": "The sources say (quoted as written):"}
OTHER_HEAD = {"zh-Hant": "", "zh-Hans": "", "en": "The sources say (quoted as written): "}
_BY_MAP = frozenset({"map"})
# Three or more items named in a row: 「聯合籌劃、聯合偵察、聯合封控」, "coal, copper and gold".
_ENUMERATION = re.compile(r"[^、，,。；;\s]{1,10}(?:、[^、，,。；;]{1,10}){2,}|\w+(?:, [\w ]{1,30}){1,}, (?:and|or) \w+")


class OpenExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder: Embedder, min_score: dict[str, float], tuning: OpenTuning = TUNING) -> None:
        self.embedder = embedder
        self.min_score = min_score
        self.tuning = tuning

    def answer(self, question: str, kind: str, passages: list[Passage]) -> Answer:
        language = detect_language(question)
        refusal = Answer(question=question, text=REFUSALS[language], passages=passages, abstained=True, model=self.name)
        candidates = [(p, a, b) for p in passages for a, b in sentence_spans(p.text) if quotable(question, p.text[a:b])]
        if not candidates:
            return refusal
        texts = [p.text[a:b] for p, a, b in candidates]
        relevance = sentence_scores(question, texts, self.embedder)
        from_map = any(_BY_MAP & set(p.found_by) for p in passages)
        bar = self.min_score["en" if language == "en" else "zh"] - self.tuning.bar_relief
        if not from_map and float(relevance.max()) < bar:
            return refusal
        vectors = weighted_matrix(texts)
        order = self._order(kind, relevance, vectors)
        count = dict(self.tuning.sentences).get(kind, self.tuning.other_sentences)
        if kind == "list" and _ENUMERATION.search(texts[order[0]]):
            # The best sentence names the items itself: other sentences quoted beside it
            # would only pad the list, unless they name items too.
            order = [i for i in order if i == order[0] or _ENUMERATION.search(texts[i])]
        picked = self._pick(order, relevance, vectors, count, broad=kind in ("overview", "summary"))
        picked.sort(key=lambda i: (passages.index(candidates[i][0]), candidates[i][1]))  # as the evidence reads
        return self._compose(question, kind, language, passages, [candidates[i] for i in picked])

    def _order(self, kind: str, relevance: np.ndarray, vectors: np.ndarray) -> list[int]:
        if kind not in ("overview", "summary"):
            return [int(i) for i in np.argsort(-relevance, kind="stable")]
        centre = np.zeros(len(relevance))
        for place, i in enumerate(centroid_order(vectors)):
            centre[i] = 1.0 / (1 + place)
        spread = float(relevance.std()) or 1.0
        combined = (relevance - relevance.mean()) / spread + self.tuning.centrality_weight * len(relevance) ** 0.5 * centre
        return [int(i) for i in np.argsort(-combined, kind="stable")]

    def _pick(self, order: list[int], relevance: np.ndarray, vectors: np.ndarray, count: int, broad: bool) -> list[int]:
        best = float(relevance[order[0]])
        gram = vectors @ vectors.T
        taken: list[int] = []
        for i in order:
            if len(taken) == count:
                break
            if not broad and relevance[i] < best - self.tuning.below_best:
                continue
            if all(gram[i, j] < self.tuning.redundancy for j in taken):
                taken.append(i)
        return taken

    def _compose(self, question: str, kind: str, language: str, passages: list[Passage], chosen: list[tuple[Passage, int, int]]) -> Answer:
        citations = [Citation.quote(p.rank, p, a, b) for p, a, b in chosen]
        quotes = [f"{p.text[a:b].strip()} {cite(p.rank)}" for p, a, b in chosen]
        if kind == "list" and len(quotes) > 1:
            text = LIST_HEAD[language] + "\n" + "\n".join(f"- {q}" for q in quotes)
        else:
            text = OTHER_HEAD[language] + (" " if language == "en" else "").join(quotes)
        return Answer(question=question, text=text, citations=citations, passages=passages, model=self.name)
