"""``extractive``, the no-model answerer: quote the sentence(s) of the top passages that best answer
the question, verbatim, each with a citation key.

Each sentence is scored by rag.answer.sentence_scores. The best score must reach the calibrated bar for the question's language
(cross-lingual similarities run lower), otherwise the answer is a plain refusal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from rag.answer.backends import Final, Token
from rag.answer.open_extractive import OpenExtractiveAnswerer
from rag.answer.sentence_scores import quotable, sentence_scores
from rag.models.embedding import Embedder
from rag.settings import Settings
from rag.settings.citations import CitationThresholds
from rag.text.kinds import is_open, question_kind
from rag.text.language import REFUSALS, detect_language, normalize_for_matching
from rag.text.markers import cite
from rag.text.names import name_in, question_names
from rag.text.sentences import sentence_spans
from rag.types import Answer, Citation, Passage


@dataclass(frozen=True)
class ExtractiveTuning:
    """What a lookup's quote is drawn from. Set by hand on questions/seed.jsonl and DRCD dev
    questions (docs/answers.md)."""

    passages_read: int = 3  # the top passages whose sentences may be quoted
    second_sentence_margin: float = 0.03  # a second sentence is quoted only when this close to the best one


TUNING = ExtractiveTuning()


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(self, embedder: Embedder, min_score: dict[str, float], rare_character: int = CitationThresholds().rare_character) -> None:
        missing = {"zh", "en"} - set(min_score)
        if missing:
            raise ValueError(f"min_score needs thresholds for {sorted(missing)}")
        self.embedder = embedder
        self.min_score = min_score
        self.rare_character = rare_character  # rag.text.names: what counts as a name the question asks about

    def answer(self, question: str, passages: list[Passage]) -> Answer:
        language = detect_language(question)
        refusal = Answer(question=question, text=REFUSALS[language], passages=passages, abstained=True, model=self.name)
        candidates = [
            (p, a, b) for p in passages[: TUNING.passages_read] for a, b in sentence_spans(p.text) if quotable(question, p.text[a:b])
        ]
        if not candidates:
            return refusal
        texts = [p.text[a:b] for p, a, b in candidates]
        scores = sentence_scores(question, texts, self.embedder)
        order = np.argsort(-scores)
        if scores[order[0]] < self.min_score["en" if language == "en" else "zh"]:
            return refusal
        chosen = [int(order[0])]
        if len(order) > 1 and scores[order[1]] >= scores[order[0]] - TUNING.second_sentence_margin:
            chosen.append(int(order[1]))
        if passages[0].dense_score is None:  # found by words alone: vectors still being computed, or lexical mode
            chosen = [i for i in chosen if self._names_the_subject(question, candidates[i][0])]
            if not chosen:
                return refusal
        chosen.sort(key=lambda i: (candidates[i][0].rank, candidates[i][1]))  # reading order
        parts, citations = [], []
        for i in chosen:
            passage, a, b = candidates[i]
            parts.append(f"{texts[i]} {cite(passage.rank)}")
            citations.append(Citation.quote(passage.rank, passage, a, b))
        return Answer(question=question, text=" ".join(parts), citations=citations, passages=passages, model=self.name)

    def _names_the_subject(self, question: str, passage: Passage) -> bool:
        """Whether the passage names every name the question asks about. Without vectors the
        passages are ranked by words only, and a paragraph that shares the question's common
        words but not its subject would otherwise be quoted."""
        body = normalize_for_matching(passage.text)
        return all(name_in(name, body) for name in question_names(question, self.rare_character))


class ExtractiveBackend:
    name = "extractive"

    def __init__(self, answerer: ExtractiveAnswerer, open_answerer: OpenExtractiveAnswerer | None = None) -> None:
        self.answerer = answerer
        self.open_answerer = open_answerer  # questions that need explaining; None: answered as lookups

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder) -> ExtractiveBackend:
        thresholds = {"zh": settings.answer.min_answer_score_zh, "en": settings.answer.min_answer_score_en}
        open_answerer = OpenExtractiveAnswerer(embedder, thresholds) if settings.answer.open_answers else None
        return cls(ExtractiveAnswerer(embedder, thresholds, settings.citations.rare_character), open_answerer)

    def stream(self, question: str, passages: list[Passage]) -> Iterator[Token | Final]:
        kind = question_kind(question)
        if self.open_answerer is not None and is_open(kind):
            answer = self.open_answerer.answer(question, kind, passages)
        else:
            answer = self.answerer.answer(question, passages)
        yield Token(answer.text)
        yield Final(answer)
