"""The house keeps its shape: each stage of rag/ imports only the stages below it, and no
files import each other in a loop (the contracts in pyproject.toml, checked by import-linter)."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]


def _lint(folder: Path, config: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.chdir(folder)
    monkeypatch.syspath_prepend(str(folder))
    return lint_imports(config_filename=str(config), no_cache=True, no_logo=True)


def test_no_stage_imports_upward_and_no_circle(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code = _lint(ROOT, ROOT / "pyproject.toml", monkeypatch)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "2 kept, 0 broken" in out, out


def test_every_folder_of_rag_is_in_a_layer() -> None:
    # A new stage folder left out of the layers would be checked by nothing.
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    layers = next(c["layers"] for c in contracts if c["type"] == "layers")
    layered = {name.strip() for layer in layers for name in layer.split("|")}
    stages = {f"rag.{p.name}" for p in (ROOT / "rag").iterdir() if (p / "__init__.py").is_file()}
    stages |= {f"rag.{p.stem}" for p in (ROOT / "rag").glob("*.py") if p.stem != "__init__"}
    assert stages - layered == set()


@pytest.mark.parametrize("mistake", ["upward", "circle"])
def test_the_check_fails_on_an_upward_import_or_a_circle(tmp_path: Path, mistake: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same contracts on a two-stage package with one mistake: the check must catch it.
    package = tmp_path / "house"
    for folder in ("top", "bottom"):
        (package / folder).mkdir(parents=True)
        (package / folder / "__init__.py").write_text("")
    (package / "__init__.py").write_text("")
    (package / "top" / "a.py").write_text("from house.bottom import b\n")
    if mistake == "upward":
        (package / "bottom" / "b.py").write_text("from house.top import a\n")
    else:
        (package / "bottom" / "b.py").write_text("from house.bottom import c\n")
        (package / "bottom" / "c.py").write_text("from house.bottom import b\n")
    config = tmp_path / "contracts.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.importlinter]
            root_package = "house"
            [[tool.importlinter.contracts]]
            name = "layers"
            type = "layers"
            layers = ["house.top", "house.bottom"]
            [[tool.importlinter.contracts]]
            name = "no circles"
            type = "acyclic_siblings"
            ancestors = ["house"]
            """
        )
    )
    assert _lint(tmp_path, config, monkeypatch) == 1
