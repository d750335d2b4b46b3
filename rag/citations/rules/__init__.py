"""The citation rules, one per file, in the order they run. Each kind's list is explicit:
a source must pass every source rule
that applies to it; key rules run in turn, each seeing the keys the one before chose; answer
rules run in turn until one withholds the answer. docs/citations.md tells what each checks,
and bench/ablation.py measures what each is worth."""

from __future__ import annotations

from rag.citations.clear_match import NAME as CLEAR_MATCH
from rag.citations.pointed import NAME as POINTED
from rag.citations.rules.base import AnswerRule, KeyRule, Rule, SourceRule
from rag.citations.rules.best_passing_source import BestPassingSource
from rag.citations.rules.cross_lingual_closest import CrossLingualClosest
from rag.citations.rules.lead_close_to_question import LeadCloseToQuestion
from rag.citations.rules.lead_supported import LeadSupported
from rag.citations.rules.names_in_source import NamesInSource
from rag.citations.rules.numbers_in_source import NumbersInSource
from rag.citations.rules.off_question_sentences import OffQuestionSentences
from rag.citations.rules.paragraph_saying_it import ParagraphSayingIt
from rag.citations.rules.paragraph_with_the_words import ParagraphWithTheWords
from rag.citations.rules.subject_named_in_source import SubjectNamedInSource
from rag.citations.rules.words_or_closest import WordsOrClosest
from rag.settings.citations import RULE_NAMES, CitationThresholds

# Objections first, so a source that lacks a claim's number is told so; evidence next; the
# subject checks last, on sources whose words already pass.
SOURCE_RULES: tuple[type[SourceRule], ...] = (
    NumbersInSource,
    NamesInSource,
    WordsOrClosest,
    CrossLingualClosest,
    SubjectNamedInSource,
)
KEY_RULES: tuple[type[KeyRule], ...] = (ParagraphWithTheWords, ParagraphSayingIt, BestPassingSource)
ANSWER_RULES: tuple[type[AnswerRule], ...] = (LeadSupported, LeadCloseToQuestion, OffQuestionSentences)
# The quotes of a pointed sentence (rag.citations.pointed) and of the clear match
# (rag.citations.clear_match) are not rules of these kinds, but are switched off by name like them.
RUNNING_ORDER: tuple[str, ...] = (*(r.name for r in (*SOURCE_RULES, *KEY_RULES, *ANSWER_RULES)), POINTED, CLEAR_MATCH)


class RuleSet:
    """The rules of each kind, built with one set of thresholds, less those switched off."""

    def __init__(self, thresholds: CitationThresholds | None = None, off: frozenset[str] | set[str] = frozenset()) -> None:
        unknown = set(off) - set(RULE_NAMES)
        if unknown:
            raise ValueError(f"unknown citation rule(s) {sorted(unknown)}; the rules are {', '.join(RULE_NAMES)}")
        t = thresholds or CitationThresholds()
        self.thresholds = t
        self.source: list[SourceRule] = [r(t) for r in SOURCE_RULES if r.name not in off]
        self.key: list[KeyRule] = [r(t) for r in KEY_RULES if r.name not in off]
        self.answer: list[AnswerRule] = [r(t) for r in ANSWER_RULES if r.name not in off]


__all__ = ["ANSWER_RULES", "KEY_RULES", "RULE_NAMES", "RUNNING_ORDER", "SOURCE_RULES", "Rule", "RuleSet"]
