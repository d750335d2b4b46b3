"""What one answer is checked against, worked out once before any rule runs: the question,
each shown source and each claim, as frozen objects the rules only read.

Every claim is encoded once (e5) against every source; across languages also against each
source sentence, since there the paragraph as a whole is not evidence enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from rag.models.embedding import Embedder
from rag.settings.citations import CitationThresholds
from rag.text.language import bigrams, detect_language, normalize_for_matching
from rag.text.names import question_names
from rag.text.numbers import number_values, unsupported_numbers
from rag.text.sentences import sentence_spans
from rag.types import Passage


def content_of(text: str) -> str:
    """Letters and digits only: what length limits count."""
    return re.sub(r"\W", "", text)


def source_sentences(paragraph: str) -> tuple[str, ...]:
    """The paragraph's sentences in matching form."""
    return tuple(normalize_for_matching(paragraph[a:b]) for a, b in sentence_spans(paragraph) or [(0, len(paragraph))])


@dataclass(frozen=True, eq=False)
class Question:
    text: str  # "" when the caller gave none: question rules then stand aside
    names: tuple[str, ...]  # what it asks about, matching form (rag.text.names)


@dataclass(frozen=True, eq=False)
class Source:
    passage: Passage
    language: str
    grams: frozenset[str]
    body: str  # matching form
    sentences: tuple[str, ...]  # matching form

    @property
    def key(self) -> int:
        return self.passage.rank

    @property
    def english(self) -> bool:
        return self.language == "en"


@dataclass(frozen=True, eq=False)
class Claim:
    """One answer sentence (markers removed) with what every rule asks of it, per source j."""

    text: str
    cited: tuple[int, ...]
    language: str
    grams: frozenset[str]
    numbers: frozenset[float]
    missing_numbers: tuple[frozenset[float], ...]  # [j]: its numbers source j lacks
    similarity: np.ndarray  # [j]: e5 similarity to source j
    quotes: np.ndarray  # [j]: to source j's closest sentence (1.0 where both share a language)
    overlap: tuple[float, ...]  # [j]: share of its bigrams in source j
    best: float  # its highest similarity among the sources that have its numbers
    topic: tuple[str, ...]  # the question's names it repeats
    pointers: tuple[tuple[int, int], ...] = ()  # (key, sentence number) its keys point at: [2.3]

    @property
    def english(self) -> bool:
        return self.language == "en"

    def same_language(self, source: Source) -> bool:
        """English against Chinese is cross-lingual; Traditional against Simplified is not."""
        return self.english == source.english

    def strength(self, j: int, source: Source) -> float:
        """How strongly source j backs the claim, once it does: words or similarity."""
        similarity = float(self.similarity[j])
        return max(self.overlap[j], similarity) if self.same_language(source) else similarity


@dataclass(frozen=True, eq=False)
class Shown:
    """The question and the sources shown with it: what every claim of one answer meets."""

    question: Question
    sources: tuple[Source, ...]
    _vectors: dict[str, np.ndarray] = field(default_factory=dict, repr=False)  # filled by vectors()

    def vectors(self, embedder: Embedder) -> np.ndarray:
        """The sources' e5 vectors, encoded once per answer however many batches of claims
        (the model's, then quotes of what it pointed at) are weighed against them."""
        if "sources" not in self._vectors:
            self._vectors["sources"] = embedder.encode_passages([s.passage.text for s in self.sources])
        return self._vectors["sources"]

    def index(self, key: int) -> int | None:
        return next((j for j, s in enumerate(self.sources) if s.key == key), None)

    def source(self, key: int) -> Source:
        j = self.index(key)
        if j is None:
            raise KeyError(key)
        return self.sources[j]


def shown_for(question: str, passages: list[Passage], thresholds: CitationThresholds) -> Shown:
    sources = tuple(
        Source(
            passage=p,
            language=detect_language(p.text),
            grams=frozenset(bigrams(p.text)),
            body=normalize_for_matching(p.text),
            sentences=source_sentences(p.text),
        )
        for p in passages
    )
    names = question_names(question, thresholds.rare_character) if question else ()
    return Shown(Question(question, names), sources)


def claims_for(sentences: list[tuple[str, list[int], list[tuple[int, int]]]], shown: Shown, embedder: Embedder) -> list[Claim]:
    """Each sentence (with its keys and the source sentences they point at) as a claim, all
    encoded in one batch."""
    texts = [s for s, _, _ in sentences]
    if not texts:
        return []
    passages = [s.passage for s in shown.sources]
    languages = [detect_language(t) for t in texts]
    vectors = embedder.encode_queries(texts)
    similarity = vectors @ shown.vectors(embedder).T
    quotes = _sentence_similarity(embedder, vectors, [lang == "en" for lang in languages], shown.sources)
    claims = []
    for i, (text, cited, pointers) in enumerate(sentences):
        grams = frozenset(bigrams(text))
        missing = tuple(frozenset(unsupported_numbers(text, p.text)) for p in passages)
        eligible = [j for j, m in enumerate(missing) if not m]
        matched = normalize_for_matching(text)
        claims.append(
            Claim(
                text=text,
                cited=tuple(cited),
                pointers=tuple(pointers),
                language=languages[i],
                grams=grams,
                numbers=frozenset(number_values(text)),
                missing_numbers=missing,
                similarity=similarity[i],
                quotes=quotes[i],
                overlap=tuple(len(grams & s.grams) / len(grams) if grams else 0.0 for s in shown.sources),
                best=float(similarity[i][eligible].max()) if eligible else 1.0,
                topic=tuple(n for n in shown.question.names if n in matched),
            )
        )
    return claims


def _sentence_similarity(embedder: Embedder, vectors: np.ndarray, english: list[bool], sources: tuple[Source, ...]) -> np.ndarray:
    """[i, j]: how close claim i comes to the closest single sentence of source j. Only needed
    across languages (else 1.0): one short encode per source sentence."""
    out = np.ones((len(english), len(sources)), dtype=np.float32)
    cross = [i for i, en in enumerate(english) if any(en != s.english for s in sources)]
    if not cross:
        return out
    pieces, owner = [], []
    for j, s in enumerate(sources):
        text = s.passage.text
        for a, b in sentence_spans(text) or [(0, len(text))]:
            pieces.append(text[a:b])
            owner.append(j)
    sims = vectors[cross] @ embedder.encode_passages(pieces).T
    owners = np.array(owner)
    for j in range(len(sources)):
        out[cross, j] = sims[:, owners == j].max(axis=1)
    return out
