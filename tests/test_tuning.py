"""Every tuned number sits in a named table beside the code that uses it, with a line on what
it does, and the code reads it from there: a module with a table defines no loose numeric
constant, and every field of its table is read by name."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
from pathlib import Path

import pytest

from rag.settings.citations import CitationSettings

ROOT = Path(__file__).resolve().parents[1] / "rag"
TABLES = [
    "rag.retrieval.followups",
    "rag.retrieval.gather",
    "rag.index.doc_map",
    "rag.answer.sentence_scores",
    "rag.answer.extractive",
    "rag.answer.open_extractive",
]


def _loose_numbers(tree: ast.Module) -> list[str]:
    """Module-level names bound to a bare number (tuned values outside a table)."""
    loose = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        if isinstance(value, ast.UnaryOp):
            value = value.operand
        if isinstance(value, ast.Constant) and type(value.value) in (int, float):
            loose += [t.id for t in targets if isinstance(t, ast.Name)]
    return loose


@pytest.mark.parametrize("name", TABLES)
def test_each_tuned_number_is_in_the_table_and_read_from_it(name):
    module = importlib.import_module(name)
    source = inspect.getsource(module)
    table = type(module.TUNING)
    assert dataclasses.is_dataclass(table) and table.__doc__, name
    assert _loose_numbers(ast.parse(source)) == [], name
    lines = inspect.getsource(table).splitlines()
    for field in dataclasses.fields(table):
        declared = next(line for line in lines if re.match(rf"\s+{field.name}:", line))
        assert "#" in declared, f"{name}: {field.name} says nothing of what it does"
        assert re.search(rf"\b(?:TUNING|tuning)\.{field.name}\b", source), f"{name}: {field.name} is never read from the table"


def test_each_citation_threshold_is_read_by_the_citation_checks():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "citations").rglob("*.py"))
    source += (ROOT / "answer" / "extractive.py").read_text(encoding="utf-8")
    unread = [f for f in CitationSettings.model_fields if f != "rules_off" and not re.search(rf"\.{f}\b", source)]
    assert unread == []
    assert all(info.description for info in CitationSettings.model_fields.values())
