"""Run the hostile-input suite and print a table: input, expected, observed, pass.

    .venv/bin/python bench/hostile.py        # writes bench/results/hostile.json

The cases are the tests of tests/system/test_trust.py (issue 17's reproductions), the older
hostile-document and bad-input tests, and the offline proof (tests/system/test_offline.py);
each test's docstring says "input -> expected". Then run bench/report.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = [
    "tests/system/test_trust.py",
    "tests/system/test_offline.py",
    "tests/system/test_hostile.py",
    "tests/system/test_bad_input.py",
    "tests/corpus/readers/test_hostile_documents.py",
]


def docstrings() -> dict[str, str]:
    """First docstring line of each test function, by test name."""
    import ast

    found = {}
    for suite in SUITES:
        for node in ast.walk(ast.parse((ROOT / suite).read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                found[node.name] = (ast.get_docstring(node) or "").splitlines()[0] if ast.get_docstring(node) else ""
    return found


def _unescaped(test_id: str) -> str:
    """pytest writes non-ASCII parameters as \\u escapes; show them as typed, control
    characters still escaped."""
    from rag.ui.terminal import safe

    return safe(test_id.encode("ascii", "backslashreplace").decode("unicode_escape"), keep_newlines=False)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *SUITES], cwd=ROOT)
        cases = ET.parse(report).getroot().iter("testcase")
        described = docstrings()
        rows = []
        for case in cases:
            name = case.get("name", "")
            failure = case.find("failure") if case.find("failure") is not None else case.find("error")
            skipped = case.find("skipped")
            doc = described.get(name.split("[")[0], "")
            given, _, expected = doc.partition(" -> ")
            if skipped is not None:
                observed = f"skipped: {skipped.get('message', '')}"
            elif failure is not None:
                observed = (failure.get("message") or "failed").splitlines()[0][:120]
            else:
                observed = "as expected"
            rows.append(
                {
                    "input": (given.strip() or name) + (f" [{_unescaped(name.split('[', 1)[1])}" if "[" in name else ""),
                    "expected": expected.strip(),
                    "observed": observed,
                    "pass": failure is None and skipped is None,
                }
            )
    out = ROOT / "bench" / "results" / "hostile.json"
    out.write_text(
        json.dumps({"rows": rows, "passed": sum(r["pass"] for r in rows), "cases": len(rows)}, ensure_ascii=False, indent=2) + "\n"
    )
    width = min(60, max(len(r["input"]) for r in rows))
    for r in rows:
        print(f"{'PASS' if r['pass'] else 'FAIL'}  {r['input']:<{width}}  -> {r['expected']}  ({r['observed']})")
    print(f"{sum(r['pass'] for r in rows)} passed, {sum(not r['pass'] for r in rows)} failed")


if __name__ == "__main__":
    main()
