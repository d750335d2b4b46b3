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
from rag.citations.pointed import Triple, bare_pointers, denies, quotes_of, repeats_question
from rag.citations.rules import RuleSet
from rag.citations.rules.base import Closeness
from rag.models.embedding import Embedder
from rag.settings.citations import CitationThresholds
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
        open_answer: bool = False,
        as_list: bool = False,
    ) -> Verified:
        """``question``, when given, lets the answer rules judge the answer against it (a lead far
        from it, sentences that stray from it) and the source rules look for its subject.
        ``pointed``: the source sentences the prompt numbered ((key, number) -> text), so a
        citation quotes the sentence its key points at ([2.3]) when that one says the claim.
        ``open_answer``: an answer of several points (rag.text.kinds), where a sentence no source
        backs is dropped and the rest stands; the answer rules, which judge a lookup by its lead
        sentence, do not apply; ``as_list`` writes the kept sentences one item a line."""
        refusal = Verified(REFUSALS[question_language], [], [], True)
        if not passages:
            return refusal
        shown = shown_for(question, passages, self.rules.thresholds)
        written = claims_of(answer, self.rules.thresholds.refusal_overlap)
        if pointed and self.quote_pointed:
            claims, checks = self._with_quotes(written, answer, question, shown, pointed)
        else:
            claims = claims_for(written, shown, self.embedder)
            checks = [self._check(claim, shown) for claim in claims]
        if not checks:  # the model wrote only the refusal or filler: nothing to pass on
            return Verified(refusal.text, [], checks, True)
        if open_answer:
            dropped = {"about_question": False, "reason": "left out: no shown source backs it"}
            checks = [c if c.supported else c.model_copy(update=dropped) for c in checks]
            if not any(c.supported for c in checks):
                return Verified(refusal.text, [], checks, True)
        lead = 0  # every claim is judged, so the first one answers the question
        closeness = Closeness(checks, lead, lambda texts: self._closeness(question, texts))
        for rule in () if open_answer else self.rules.answer:
            ruling = rule.judge(checks, lead, shown, closeness)
            if ruling is None:
                continue
            checks = ruling.sentences
            if ruling.withhold:
                return Verified(refusal.text, [], checks, True)
        parts: list[str] = []
        citations: list[Citation] = []
        pointers = {claim.text: claim.pointers for claim in claims}
        first: dict[str, SentenceSupport] = {}
        for check in checks:  # never one sentence twice: the first is kept
            first.setdefault(check.text, check)
        checks = list(first.values())
        for check in checks:
            if check.about_question:
                parts.append(check.text + "".join(f" [{k}]" for k in check.keys))
                for k in check.keys:
                    texts = [pointed[p] for p in pointers.get(check.text, ()) if p[0] == k and p in pointed] if pointed else []
                    citations.append(citation_for(check.text, shown.source(k).passage, texts, self.rules.thresholds.pointed_share))
        joiner = " " if question_language == "en" else ""
        text = "\n".join(f"- {part}" for part in parts) if as_list and len(parts) > 1 else joiner.join(parts)
        unique = list({(c.key, c.start, c.end): c for c in citations}.values())
        return Verified(text, unique, checks, False)

    def _with_quotes(
        self, written: list[Triple], answer: str, question: str, shown: Shown, pointed: Mapping[tuple[int, int], str]
    ) -> tuple[list[Claim], list[SentenceSupport]]:
        """The claims checked, with the sentences the model pointed at quoted where its words
        fail (rag.citations.pointed): an answer of keys alone, a claim that repeats the
        question, a lead no source backs (unless it says the sources lack the answer). Only
        quotes that pass their checks replace a claim; without one, it is judged as written."""
        if not written:  # keys alone: the first sentence pointed at that passes, or nothing to pass on
            claims, checks = self._passing_quotes(
                quotes_of(bare_pointers(answer), pointed, question, self.rules.thresholds.min_shared_with_question), shown
            )
            return claims[:1], checks[:1]
        claims = claims_for(written, shown, self.embedder)
        checks = [self._check(claim, shown) for claim in claims]
        out_claims: list[Claim] = []
        out_checks: list[SentenceSupport] = []
        for n, (claim, check) in enumerate(zip(claims, checks, strict=True)):
            unbacked_lead = n == 0 and not check.supported and not denies(claim.text)
            failed = unbacked_lead or repeats_question(claim.text, question)
            quoted, verdicts = (
                self._passing_quotes(quotes_of(claim.pointers, pointed, question, self.rules.thresholds.min_shared_with_question), shown)
                if failed
                else ([], [])
            )
            if not quoted:
                out_claims.append(claim)
                out_checks.append(check)
            elif n > 0 or not unbacked_lead:
                out_claims += quoted
                out_checks += verdicts
            else:  # the answer is now the quote; what else the model wrote unbacked goes too
                left = {"about_question": False, "reason": "left out: the sentence the model pointed at is quoted instead", "rule": POINTED}
                rest = [c if c.supported else c.model_copy(update=left) for c in checks[1:]]
                return quoted + claims[1:], verdicts + rest
        return out_claims, out_checks

    def _passing_quotes(self, quotes: list[Triple], shown: Shown) -> tuple[list[Claim], list[SentenceSupport]]:
        """The quoted sentences that pass their checks, each marked as a quote."""
        if not quotes:
            return [], []
        claims = claims_for(quotes, shown, self.embedder)
        checks = [self._check(claim, shown) for claim in claims]
        keep = [i for i, check in enumerate(checks) if check.supported]
        return [claims[i] for i in keep], [checks[i].model_copy(update={"rule": POINTED}) for i in keep]

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
