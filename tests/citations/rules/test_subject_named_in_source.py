from __future__ import annotations

from rag.citations.rules.subject_named_in_source import SubjectNamedInSource
from tests.citations.rules.evidence import claim, shown

RULE = SubjectNamedInSource()
QUESTION = "螭頭的主要功能是?"


def test_a_chinese_source_must_name_the_subject_the_claim_repeats():
    where = shown(["水壩的主要功能是防洪。", "殿前伸出一石螭頭，用來排水。"], QUESTION)
    c = claim("螭頭的主要功能是防洪。", [1], where)
    assert RULE.applies(c, 0, where)
    assert RULE.objection(c, 0, where) == "'螭頭', which the question asks about, is not in [1]"
    assert RULE.objection(c, 1, where) is None


def test_english_sources_and_claims_without_the_subject_are_not_asked():
    where = shown(["The dam's main use is flood control.", "水壩的主要功能是防洪。"], QUESTION)
    assert not RULE.applies(claim("螭頭的主要功能是防洪。", [1], where), 0, where)
    assert not RULE.applies(claim("主要功能是防洪。", [2], where), 1, where)
