"""`rag eval generate`, `rag eval QUESTIONS --html` and `rag eval compare` from the shell, on
the seed library: a set made from the documents, scored, drawn and compared."""

from __future__ import annotations

import json
import re

import pytest

from rag.eval.scoring import holds_answer, load_questions
from tests.conftest import run_cli as run

pytestmark = pytest.mark.slow


def test_generate_then_evaluate_with_a_page_then_compare(seed_rag, tmp_path):
    questions = tmp_path / "mine.jsonl"
    made = run(seed_rag, "eval", "generate", str(questions), "--n", "20", "--langs", "zh-Hant,zh-Hans", "--json")
    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert summary["questions"] == summary["written"] == 20
    paragraphs = {pid: p.text for pid, p in seed_rag.ensure_index().stored.paragraphs.items()}
    rows = load_questions(questions)
    assert {q.lang for q in rows} == {"zh-Hant", "zh-Hans"}
    for q in rows:
        assert q.gold_paragraphs and all(pid in paragraphs for pid in q.gold_paragraphs)
        if q.answers:
            assert holds_answer(" ".join(paragraphs[pid] for pid in q.gold_paragraphs), q.answers)

    resumed = run(seed_rag, "eval", "generate", str(questions), "--n", "24", "--langs", "zh-Hant,zh-Hans", "--json")
    assert resumed.returncode == 0, resumed.stderr
    again = json.loads(resumed.stdout)
    assert (again["already_there"], again["written"], again["questions"]) == (20, 4, 24)

    report, page = tmp_path / "before.json", tmp_path / "before.html"
    scored = run(seed_rag, "eval", str(questions), "--out", str(report), "--html", str(page))
    assert scored.returncode == 0, scored.stderr
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["questions"] == 24 and figures["retrieval"]["evaluated"] == 24
    assert {r["lang"] for r in figures["per_question"]} == {"zh-Hant", "zh-Hans"}
    html = page.read_text(encoding="utf-8")
    assert html.count("<svg") >= 2 and 'id="plot-recall"' in html
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", html) and "<script" not in html

    same = run(seed_rag, "eval", "compare", str(report), str(report), "--fail-on-regression", "--json")
    assert same.returncode == 0, same.stderr
    assert json.loads(same.stdout)["regressions"] == []

    worse = json.loads(report.read_text(encoding="utf-8"))
    worse["retrieval"]["recall@1"] -= 0.2
    after = tmp_path / "after.json"
    after.write_text(json.dumps(worse), encoding="utf-8")
    regressed = run(seed_rag, "eval", "compare", str(report), str(after), "--fail-on-regression", "--html", str(tmp_path / "c.html"))
    assert regressed.returncode == 2, regressed.stderr
    assert "REGRESSION" in regressed.stdout and "recall@1" in regressed.stdout
    assert '<span class="tag regression">' in (tmp_path / "c.html").read_text(encoding="utf-8")
