"""Check every citation a model writes, instead of trusting it.

The answer is split into claims (rag.citations.claims); the question, the shown sources and
each claim are worked out once (rag.citations.evidence); then the rules run
(rag.citations.rules), in their lists' order:

1. each source is weighed against each claim by the source rules, and may back it when
   no rule that applies objects;
2. key rules choose, from the cited sources that may back it, the keys the claim keeps, or
   move it to another shown source; a claim left with none is unsupported, with the reason
   its first cited source failed;
3. answer rules judge the whole: the answer is withheld (the refusal phrase is returned,
   with the model's sentences and their reasons kept for display) or sentences that stray
   from the question are left out.

With sentence keys, the sentence a key points at stands in for the model's words where they
fail (rag.citations.pointed): a key alone, the question repeated before a key, or a lead no
source backs; the quote then goes through the same rules.

Each sentence's verdict names the rule that decided it (``SentenceSupport.rule``).
docs/citations.md describes the rules and how their thresholds were measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rag.citations.claims import claims_of
from rag.citations.evidence import Claim, Shown, claims_for, shown_for
from rag.citations.locate import citation_for
from rag.citations.pointed import NAME as POINTED
from rag.citations.pointed import Triple, bare_pointers, quotes_of, repeats_question
from rag.citations.rules import RuleSet
from rag.citations.rules.base import Closeness
from rag.citations.thresholds import CitationThresholds
from rag.models.embedding import Embedder
from rag.text.language import REFUSALS
from rag.types import Citation, Passage, SentenceSupport


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    sentences: list[SentenceSupport]
    abstained: bool


class CitationVerifier:
    def __init__(self, embedder: Embedder, thresholds: CitationThresholds | None = None, rules_off: frozenset[str] = frozenset()) -> None:
        self.embedder = embedder
        self.rules = RuleSet(thresholds, rules_off)
        self.quote_pointed = POINTED not in rules_off

    def verify(
        self,
        answer: str,
        passages: list[Passage],
        question_language: str,
        question: str = "",
        pointed: Mapping[tuple[int, int], str] | None = None,
    ) -> Verified:
        """``question``, when given, lets the answer rules judge the answer against it (a lead far
        from it, sentences that stray from it) and the source rules look for its subject.
        ``pointed``: the source sentences the prompt numbered ((key, number) -> text), so a
        citation quotes the sentence its key points at ([2.3]) when that one says the claim."""
        refusal = Verified(REFUSALS[question_language], [], [], True)
        if not passages:
            return refusal
        shown = shown_for(question, passages, self.rules.thresholds)
        written = claims_of(answer, self.rules.thresholds.refusal_overlap)
        quoting = pointed if pointed and self.quote_pointed else None
        is_quote = [False] * len(written)
        if quoting is not None:
            written, is_quote = self._quote_repeats(written, question, quoting)
            if not written:
                written = quotes_of(bare_pointers(answer), quoting)
                is_quote = [True] * len(written)
        claims = claims_for(written, shown, self.embedder)
        checks = [self._check(claim, shown) for claim in claims]
        checks = [_as_quote(check) if quote else check for check, quote in zip(checks, is_quote, strict=True)]
        if quoting is not None:
            claims, checks = self._quote_unsupported(claims, checks, shown, quoting)
        if not checks:  # the model wrote only the refusal or filler: nothing to pass on
            return Verified(refusal.text, [], checks, True)
        lead = 0  # every claim is judged, so the first one answers the question
        closeness = Closeness(checks, lead, lambda texts: self._closeness(question, texts))
        for rule in self.rules.answer:
            ruling = rule.judge(checks, lead, shown, closeness)
            if ruling is None:
                continue
            checks = ruling.sentences
            if ruling.withhold:
                return Verified(refusal.text, [], checks, True)
        parts: list[str] = []
        citations: list[Citation] = []
        pointers = {claim.text: claim.pointers for claim in claims}
        for check in checks:
            if check.about_question:
                parts.append(check.text + "".join(f" [{k}]" for k in check.keys))
                for k in check.keys:
                    texts = [pointed[p] for p in pointers.get(check.text, ()) if p[0] == k and p in pointed] if pointed else []
                    citations.append(citation_for(check.text, shown.source(k).passage, texts))
        joiner = " " if question_language == "en" else ""
        unique = list({(c.key, c.start, c.end): c for c in citations}.values())
        return Verified(joiner.join(parts), unique, checks, False)

    def _quote_unsupported(
        self, claims: list[Claim], checks: list[SentenceSupport], shown: Shown, pointed: Mapping[tuple[int, int], str]
    ) -> tuple[list[Claim], list[SentenceSupport]]:
        """The lead claim (the one that answers), when no source backs it, replaced by the
        sentences its keys pointed at, checked in turn. Later claims are only judged: quoting
        for each of them would turn a rambling answer into the whole paragraph."""
        if not checks or checks[0].supported:
            return claims, checks
        written = quotes_of(claims[0].pointers, pointed)
        if not written or [t[0] for t in written] == [claims[0].text]:
            return claims, checks
        quoted = claims_for(written, shown, self.embedder)
        verdicts = [self._check(q, shown) for q in quoted]
        verdicts = [_as_quote(v) for v in verdicts]
        # What else the model wrote unbacked goes too: its answer is now the quote.
        left = "left out: the model's answer did not hold, the sentence it pointed at is quoted instead"
        rest = [c if c.supported else c.model_copy(update={"about_question": False, "reason": left, "rule": POINTED}) for c in checks[1:]]
        return quoted + claims[1:], verdicts + rest

    @staticmethod
    def _quote_repeats(written: list[Triple], question: str, pointed: Mapping[tuple[int, int], str]) -> tuple[list[Triple], list[bool]]:
        """Claims that only repeat the question, with a key where the answer should be,
        replaced by the sentences the key points at; and which claims are such quotes."""
        out: list[Triple] = []
        is_quote: list[bool] = []
        for claim in written:
            quotes = quotes_of(claim[2], pointed) if question and repeats_question(claim[0], question) else []
            out.extend(quotes or [claim])
            is_quote.extend([True] * len(quotes) or [False])
        return out, is_quote

    def _check(self, claim: Claim, shown: Shown) -> SentenceSupport:
        """One claim against every shown source: which keys back it, or why none does."""
        # key -> (why it cannot back the claim, "" if it can; the rule that said so)
        verdicts: dict[int, tuple[str, str]] = {}
        for j, source in enumerate(shown.sources):
            verdict = ("", "")
            for rule in self.rules.source:
                if not rule.applies(claim, j, shown):
                    continue
                why = rule.objection(claim, j, shown)
                if why is not None:
                    verdict = (why, rule.name)
                    break
                if rule.evidence:
                    verdict = ("", rule.name)
            verdicts[source.key] = verdict
        passing = [k for k, (why, _) in verdicts.items() if not why]
        cited = list(claim.cited)
        kept = [k for k in cited if k in verdicts and not verdicts[k][0]]
        reason, decided_by = "", verdicts[kept[0]][1] if kept else ""
        for key_rule in self.rules.key:
            choice = key_rule.choose(claim, shown, passing, kept)
            if choice is not None:
                kept, decided_by = choice.keys, key_rule.name
                reason = choice.reason or reason
        if not kept:
            first = cited[0] if cited and cited[0] in verdicts else None
            reason, decided_by = verdicts[first] if first is not None else min(verdicts.values(), key=lambda v: len(v[0]))
        return SentenceSupport(text=claim.text, cited=cited, keys=kept, supported=bool(kept), reason=reason, rule=decided_by)

    def _closeness(self, question: str, texts: list[str]) -> list[float]:
        asked = self.embedder.encode_queries([question])
        return [float(v) for v in (self.embedder.encode_passages(texts) @ asked.T).ravel()]


def _as_quote(check: SentenceSupport) -> SentenceSupport:
    """A quote of a pointed sentence that passed its checks, marked as such."""
    return check.model_copy(update={"rule": POINTED}) if check.supported else check
