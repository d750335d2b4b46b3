"""The citation checks' settings: every number they compare against, in one model
(``Settings.citations``), and the names by which a rule is switched off.

Each field says what it bounds; docs/citations.md says how the values were chosen and on
which question samples. Set one with ``RAG_CITATIONS__MIN_OVERLAP=0.6`` (two underscores).
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# Each rule of rag/citations/rules/ (and the two quotes of rag.citations.pointed and
# rag.citations.clear_match) declares its name as one of these, in the order they run, so
# RAG_CITATION_RULES_OFF is checked when settings are read, below the rules themselves.
RuleName = Literal[
    "numbers-in-source",
    "names-in-source",
    "words-or-closest",
    "cross-lingual-closest",
    "subject-named-in-source",
    "paragraph-with-the-words",
    "paragraph-saying-it",
    "best-passing-source",
    "lead-supported",
    "lead-close-to-question",
    "off-question-sentences",
    "quote-pointed-sentence",
    "quote-clear-match",
]
RULE_NAMES: tuple[RuleName, ...] = get_args(RuleName)


class CitationThresholds(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Support by words or by e5 similarity (words-or-closest, cross-lingual-closest).
    min_overlap: float = Field(0.5, ge=0, le=1, description="Share of a claim's bigrams a same-language source must hold to back it.")
    min_similarity: float = Field(
        0.86, ge=-1, le=1, description="Same language: e5 similarity with which a source backs a claim without the words."
    )
    min_similarity_cross: float = Field(0.80, ge=-1, le=1, description="Across languages: e5 similarity a source needs to back a claim.")
    min_similarity_cross_anchored: float = Field(
        0.76, ge=-1, le=1, description="Across languages, when the claim states a large number the source has: the lower bar."
    )
    anchor_number: float = Field(13, ge=0, description="A number at least this large anchors a cross-lingual claim to its source.")
    closest_margin: float = Field(
        0.005, ge=0, description="A source passing on similarity alone must be the claim's closest, within this margin."
    )
    min_sentence_similarity_cross: float = Field(
        0.82, ge=-1, le=1, description="Across languages: e5 similarity one sentence of the source needs to the claim."
    )
    # Which key a claim keeps (paragraph-with-the-words, paragraph-saying-it).
    words_margin: float = Field(
        0.3,
        ge=0,
        le=1,
        description="A same-language source with this much more of the claim's bigrams than the cited one takes the citation.",
    )
    subject_margin: float = Field(
        0.25, ge=0, le=1, description="A source whose sentence naming the subject holds this much more of the claim takes the citation."
    )
    min_subject_overlap: float = Field(0.5, ge=0, le=1, description="... and that sentence must hold at least this share of the claim.")
    # What the question asks about (subject-named-in-source, paragraph-saying-it).
    rare_character: int = Field(
        3000, ge=1, description="A run of single characters is a name when one of them is this rare in jieba's dictionary counts."
    )
    # Quoting what the model pointed at (rag.citations.pointed, rag.citations.locate).
    pointed_share: float = Field(
        0.8, ge=0, le=1, description="A sentence the model pointed at is quoted when it says the claim this well, as a share of the best."
    )
    min_shared_with_question: int = Field(
        2, ge=0, description="Word pairs a pointed sentence must share with the question to stand in as its answer."
    )
    # Sentences that are not claims.
    refusal_overlap: float = Field(0.6, ge=0, le=1, description="Bigram share above which a sentence is taken as the refusal phrase.")
    # Does the answer as a whole stand (lead-close-to-question, off-question-sentences).
    off_question_gap: float = Field(
        0.05, ge=0, le=2, description="A later sentence backed only by other sources is left out this far below the lead's closeness."
    )
    min_lead_closeness: float = Field(0.86, ge=-1, le=1, description="A long lead further than this from the question does not answer it.")
    long_lead_chars: int = Field(20, ge=1, description="Leads of at least this many letters and digits are long enough to judge.")


class CitationSettings(CitationThresholds):
    """The thresholds, and the rules switched off (``Settings.citations``)."""

    rules_off: frozenset[RuleName] = Field(
        frozenset(), description="Citation rules to switch off, by name (to measure what each is worth)."
    )
