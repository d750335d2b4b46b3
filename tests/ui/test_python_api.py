"""The examples of docs/python.md run as written, in order, in a folder holding the seed article."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import SEEDS

pytestmark = pytest.mark.slow
DOC = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def test_the_documented_examples_run(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) >= 4
    shutil.copytree(SEEDS, tmp_path / "my-documents")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    assert namespace["library"].settings.index.index_dir == Path("my-documents-index")
