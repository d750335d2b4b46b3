from __future__ import annotations

import re

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import ClaimRule, moved
from rag.text.language import normalize_for_matching
from rag.text.numbers import number_values, unsupported_numbers
from rag.types import SentenceSupport


class ShortQuote(ClaimRule):
    """A claim too short for overlap or similarity to mean anything ("猶太教。", "22") is read
    as a quote: a shown source that contains it as written (numbers by value) backs it, and
    of those the one most about the question. Found in none, it stays unchecked rather than
    withholding a right short answer."""

    name = "short-quote"

    def decide(self, claim: Claim, shown: Shown) -> SentenceSupport | None:
        t = self.thresholds
        content = claim.content
        if len(content) >= t.min_content_chars:
            return None
        words = normalize_for_matching(re.sub(r"\d+", "", content))
        numbers = number_values(content)
        any_language = not words  # a bare number ("22") is written alike in every language
        holders = [
            s.key
            for s in shown.sources
            if len(content) >= t.min_quote_chars
            and (any_language or claim.same_language(s))
            and words in normalize_for_matching(re.sub(r"\W", "", s.passage.text))
            and not (numbers and unsupported_numbers(content, s.passage.text))
        ]
        cited = list(claim.cited)
        if not holders:
            return SentenceSupport(text=claim.text, cited=cited, keys=[], supported=None, reason="too short to check", rule=self.name)
        # A short answer claims "this is what the question asks": its source is the holder most
        # about the question (most of its bigrams), then the cited one, then the best ranked.
        asked = shown.question.grams
        about = {s.key: len(asked & s.grams) / len(asked) if asked else 0.0 for s in shown.sources}
        key = max(holders, key=lambda k: (about[k], k in cited, -k))
        reason = "quoted" if key in cited else f"quoted; {moved(cited, key)}"
        return SentenceSupport(text=claim.text, cited=cited, keys=[key], supported=True, reason=reason, rule=self.name)
