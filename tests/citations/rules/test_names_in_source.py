from __future__ import annotations

from rag.citations.rules.names_in_source import NamesInSource, names_claimed
from tests.citations.rules.evidence import claim, shown

RULE = NamesInSource()


def test_every_name_of_a_bare_list_must_be_in_the_source():
    where = shown(["劉邦與石勒都曾稱帝。"])
    assert RULE.objection(claim("劉邦 石勒 薄必烈", [1], where), 0, where) == "'薄必烈' not in [1]"
    assert RULE.objection(claim("劉邦 石勒", [1], where), 0, where) is None


def test_quoted_names_always_and_latin_names_only_within_one_language():
    assert names_claimed("他寫了《史記》。", same_language=False) == ["史記"]
    assert names_claimed("It was built by Gazprom.", same_language=True) == ["Gazprom"]
    assert names_claimed("It was built by Gazprom.", same_language=False) == []
    where = shown(["The pipeline is run by Gazprom."])
    assert RULE.objection(claim("The pipeline is run by Rosneft.", [1], where), 0, where) == "'Rosneft' not in [1]"
