from __future__ import annotations

from rag.citations.rules.subject_in_no_source import SubjectInNoSource
from tests.citations.rules.evidence import claim, shown

RULE = SubjectInNoSource()
QUESTION = "螭頭的主要功能是?"


def test_a_claim_about_a_subject_no_source_names_is_unsupported():
    where = shown(["水壩的主要功能是防洪與發電。"], QUESTION)
    verdict = RULE.decide(claim("螭頭的主要功能是防洪與發電。", [1], where), where)
    assert verdict is not None and verdict.supported is False
    assert "'螭頭', which the question asks about, is in none of the sources" in verdict.reason


def test_it_stands_aside_when_a_source_names_the_subject_or_the_claim_does_not():
    named = shown(["水壩的主要功能是防洪。", "殿前伸出一石螭頭，用來排水。"], QUESTION)
    assert RULE.decide(claim("螭頭的主要功能是排水。", [2], named), named) is None
    unnamed = shown(["水壩的主要功能是防洪與發電。"], QUESTION)
    assert RULE.decide(claim("主要功能是防洪與發電。", [1], unnamed), unnamed) is None
