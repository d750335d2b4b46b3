"""Every rule names the cases that prompted it (cases.json): the ablation bench reads them to
score each rule on the recordings it was not written from."""

from __future__ import annotations

import json
from pathlib import Path

from rag.citations.rules import RULE_NAMES

CASES = json.loads((Path(__file__).parent / "cases.json").read_text(encoding="utf-8"))
RECORDINGS = {p.stem for p in (Path(__file__).resolve().parents[3] / "bench" / "results" / "recordings").glob("*.json")}


def test_every_rule_has_a_case_and_every_case_a_rule_and_a_recorded_sample():
    assert {c["rule"] for c in CASES} == set(RULE_NAMES)
    assert all(c["sample"] in RECORDINGS and c["case"] for c in CASES), RECORDINGS


def test_every_rule_has_its_own_test_file():
    here = Path(__file__).parent
    missing = [name for name in RULE_NAMES if not (here / f"test_{name.replace('-', '_')}.py").is_file()]
    assert not missing


def test_the_settings_list_of_rule_names_is_the_rules_running_order():
    # Settings check RAG_CITATION_RULES_OFF against rag.settings.citations, a leaf below the
    # rules; the rules declare their own names. The two must be the same list, in order.
    from rag.citations.rules import RUNNING_ORDER

    assert RULE_NAMES == RUNNING_ORDER
