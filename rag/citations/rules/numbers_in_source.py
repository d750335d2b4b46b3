from __future__ import annotations

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import SourceRule


class NumbersInSource(SourceRule):
    """Every number the claim states must be in the source *by value* (10億美元 = 1 billion
    dollars; rag.text.numbers). Small models slip on numbers, most of all across languages,
    and a wrong figure with a right citation is the worst answer this tool can give."""

    name = "numbers-in-source"

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        missing = claim.missing_numbers[j]
        if not missing:
            return None
        listed = ", ".join(f"{v:,.0f}" if v == int(v) else f"{v:g}" for v in sorted(missing))
        return f"number(s) {listed} not in [{shown.sources[j].key}]"
