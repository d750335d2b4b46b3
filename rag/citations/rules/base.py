"""The three kinds of citation rule, each asked one question:

- a ``SourceRule``: may this source back this claim? It objects (a reason) or stands aside.
- a ``KeyRule``: which of the sources that may back the claim does it keep?
- an ``AnswerRule``: does the answer as a whole stand, and which sentences does it show?

A rule reads the frozen evidence (rag.citations.evidence) and its thresholds; it changes
nothing in place, so rules of a kind can be listed, reordered and switched off by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from rag.citations.evidence import Claim, Shown
from rag.settings.citations import CitationThresholds, RuleName
from rag.types import SentenceSupport


def moved(cited: tuple[int, ...] | list[int], key: int) -> str:
    return f"re-pointed from {list(cited)} to [{key}]" if cited else f"citation [{key}] added"


@dataclass(frozen=True)
class Rule:
    name: ClassVar[RuleName]
    thresholds: CitationThresholds = field(default_factory=CitationThresholds)


class SourceRule(Rule):
    # An evidence rule is the one that admits a source (it checks the claim is said there);
    # the others only object. The verdict of a kept key names the evidence rule that admitted it.
    evidence: ClassVar[bool] = False

    def applies(self, claim: Claim, j: int, shown: Shown) -> bool:
        return True

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        """Why source j cannot back the claim, or None."""
        raise NotImplementedError


@dataclass(frozen=True)
class Choice:
    keys: list[int]
    reason: str


class KeyRule(Rule):
    def choose(self, claim: Claim, shown: Shown, passing: list[int], kept: list[int]) -> Choice | None:
        """New keys for the claim (``passing``: the sources that may back it, in shown order;
        ``kept``: the keys chosen so far), or None to keep them."""
        raise NotImplementedError


@dataclass(frozen=True)
class Ruling:
    sentences: list[SentenceSupport]
    withhold: bool = False


class Closeness:
    """e5 similarity to the question of the lead sentence and of the ``candidates``: the later
    supported sentences that share no source with it. Encoded at most once per answer, however
    many answer rules ask, and only if one does."""

    def __init__(self, sentences: list[SentenceSupport], lead: int, encode: Callable[[list[str]], list[float]]) -> None:
        lead_keys = set(sentences[lead].keys)
        self.candidates = [i for i, s in enumerate(sentences) if i != lead and s.supported and not set(s.keys) & lead_keys]
        self._texts = [sentences[lead].text] + [sentences[i].text for i in self.candidates]
        self._encode = encode
        self._values: list[float] | None = None

    def _all(self) -> list[float]:
        if self._values is None:
            self._values = self._encode(self._texts)
        return self._values

    def lead(self) -> float:
        return self._all()[0]

    def of(self, candidate: int) -> float:
        return self._all()[1 + self.candidates.index(candidate)]


class AnswerRule(Rule):
    def judge(self, sentences: list[SentenceSupport], lead: int, shown: Shown, closeness: Closeness) -> Ruling | None:
        """A new ruling on the answer (``lead``: index of its first sentence), or None."""
        raise NotImplementedError
