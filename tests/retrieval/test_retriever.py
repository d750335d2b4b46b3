from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.errors import RagError
from rag.retrieval.retriever import Retriever
from tests.conftest import KEY_QUESTION, ROOT

pytestmark = pytest.mark.slow


def seed_rows():
    with (ROOT / "questions" / "seed.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.mark.parametrize("lang", ["zh-Hant", "zh-Hans", "en"])
def test_every_seed_gold_paragraph_is_in_the_top_3(seed_rag, lang):
    rows = [r for r in seed_rows() if r["lang"] == lang and not r.get("unanswerable")]
    assert len(rows) >= 10
    misses = []
    for row in rows:
        top = seed_rag.retrieve(row["question"], k=3)
        if not any(g in p.text for p in top for g in row["gold_text"]):
            misses.append(row["id"])
    assert misses == []


def test_passages_say_which_channel_found_them(seed_rag):
    passages = seed_rag.retrieve(KEY_QUESTION, k=5)
    assert passages[0].found_by == ["dense", "lexical"]
    assert all(p.dense_score is not None and p.lexical_score is not None for p in passages)
    assert all(set(p.found_by) <= {"dense", "lexical"} for p in passages)


def test_modes(seed_rag):
    for mode in ("dense", "lexical", "hybrid"):
        assert seed_rag.retrieve(KEY_QUESTION, k=2, mode=mode)[0].paragraph_id.endswith("#p8")
    with pytest.raises(RagError, match="Unknown retrieval mode"):
        seed_rag.retrieve(KEY_QUESTION, mode="psychic")


def test_simplified_question_is_embedded_in_the_corpus_script(seed_rag):
    retriever = seed_rag.ensure_index()
    assert retriever.script == "zh-Hant"
    assert retriever.dense_query_text("蒙古国的外交政策是什么？") == "蒙古國的外交政策是什麼？"
    assert retriever.dense_query_text("What is it?") == "What is it?"


def test_settings_check_the_retriever_choices_once(seed_rag):
    retriever = seed_rag.ensure_index()
    # Settings check the choices once, when they are read; the retriever takes them as they are.
    with pytest.raises(ValueError, match="'zscore', 'minmax' or 'rrf'"):
        Retriever(retriever.stored, retriever.embedder, seed_rag.settings.model_validate({"fusion": "average"}))
    with pytest.raises(ValueError, match="lexical_weight"):
        Retriever(retriever.stored, retriever.embedder, seed_rag.settings.model_validate({"lexical_weight": 2.0}))
    lexical = Retriever(retriever.stored, retriever.embedder, seed_rag.settings.changed(**{"retrieval_mode": "lexical"}))
    assert lexical.mode == "lexical" and lexical.search("西伯利亞力量2號", 3)


def test_rag_eval_reports_retrieval_and_answers(seed_rag, tmp_path):
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(seed_rag.settings.corpus.corpus_dir),
        "RAG_INDEX_DIR": str(seed_rag.settings.index.index_dir),
    }
    out = tmp_path / "report.json"
    questions = ROOT / "questions" / "seed.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "rag.ui.cli", "eval", str(questions), "--answers", "--out", str(out), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["retrieval"]["evaluated"] == 32
    assert summary["retrieval"]["recall@5"] == 1.0
    for key in ("recall@1", "recall@10", "mrr@10", "ndcg@10", "latency_ms_p50", "latency_ms_p95"):
        assert key in summary["retrieval"]
    answers = summary["answers"]
    assert answers["unanswerable"] == 8 and answers["abstention_accuracy"] >= 0.5
    assert answers["contains"] >= 0.85 and answers["citation_precision"] >= 0.8
    report = json.loads(out.read_text(encoding="utf-8"))
    assert len(report["per_question"]) == 40
