"""How long the local model takes to answer, and how well, for each prompt budget (the
evidence it reads, rag.answer.excerpts), beside today's whole paragraphs in the same run.

    RAG_LLM_CACHE_RAM_MB=0 python bench/answer_latency.py            # 300, 600, 1000 and 0 (whole paragraphs)
    python bench/answer_latency.py --budgets 300 0 --seed-questions 40 --drcd-questions 40

Questions: the seed set (against seeds/) and DRCD dev questions spread evenly (against the
seed article plus every DRCD paragraph, bench/conversations.py's cached corpus), each
scored by `rag eval`'s scorer (rag.eval.runner.run_eval) with the model loaded and warm.
Reported per budget and set: first-token and total p50/p95, prompt tokens (llama.cpp's
count), generation tokens/s, contains, citation precision, answers citing only gold,
false abstention, abstention accuracy, unflagged numbers. Budgets run one after another
on the same questions, the order rotating per set. Run it with llama.cpp's memory cache of
earlier prompts off (RAG_LLM_CACHE_RAM_MB=0, recorded in the JSON): otherwise a budget whose
prompt equals an earlier budget's is answered from that cache. Writes
bench/results/answer_latency.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
RESULTS = ROOT / "bench" / "results"
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
KEYS = [
    "contains",
    "citation_precision",
    "answers_citing_only_gold",
    "false_abstention_rate",
    "abstention_accuracy",
    "unflagged_unsupported_numbers",
    "model_errors",
]


def percentile(values: list[float], q: int) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def summarise(report: dict) -> dict:
    timings = [r["timings"] for r in report["per_question"] if r.get("timings")]
    first = [t["first_token_ms"] for t in timings if t.get("first_token_ms") is not None]
    total = [t["total_ms"] for t in timings if t.get("total_ms") is not None and t.get("first_token_ms") is not None]
    prompt = [t["prompt_tokens"] for t in timings if t.get("prompt_tokens")]
    rates = [
        t["completion_tokens"] / ((t["total_ms"] - t["first_token_ms"]) / 1000)
        for t in timings
        if t.get("completion_tokens") and t.get("first_token_ms") is not None and t["total_ms"] > t["first_token_ms"]
    ]
    answers = report["answers"]
    return {
        "questions": report["questions"],
        "answered_by_model": len(first),
        "first_token_ms_p50": percentile(first, 50),
        "first_token_ms_p95": percentile(first, 95),
        "total_ms_p50": percentile(total, 50),
        "total_ms_p95": percentile(total, 95),
        "prompt_tokens_mean": round(float(np.mean(prompt)), 1) if prompt else None,
        "generation_tokens_per_s": round(float(np.median(rates)), 2) if rates else None,
        **{k: answers.get(k) for k in KEYS},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budgets", type=int, nargs="+", default=[300, 600, 1000, 0])
    ap.add_argument("--seed-questions", type=int, default=40)
    ap.add_argument("--drcd-questions", type=int, default=40)
    ap.add_argument("--model", default="local")
    ap.add_argument("--out", type=Path, default=RESULTS / "answer_latency.json")
    args = ap.parse_args()

    from conversations import CACHE, corpus_folder

    from rag.eval.runner import run_eval
    from rag.eval.scoring import load_questions, sample_evenly
    from rag.pipeline import RAG
    from rag.settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-answer-latency-"))
    seed_rag = RAG(Settings(corpus_dir=ROOT / "seeds", index_dir=work / "index"))
    drcd_rag = RAG(Settings(corpus_dir=corpus_folder(), index_dir=CACHE / "index"))
    sets = {
        "seed": (seed_rag, sample_evenly(load_questions(ROOT / "questions" / "seed.jsonl"), args.seed_questions)),
        # load_questions, not load_drcd: gold is the question's paragraph text, which names our paragraph ids.
        "drcd": (drcd_rag, sample_evenly(load_questions(DRCD), args.drcd_questions)),
    }
    backend = drcd_rag.backend(args.model)  # one model for both sets: the answer does not depend on the index
    seed_rag.use_backend(backend)
    backend.warm_up()
    rows = []
    for n, (name, (rag, questions)) in enumerate(sets.items()):
        rag.ensure_index()
        budgets = args.budgets[n % len(args.budgets) :] + args.budgets[: n % len(args.budgets)]
        for budget in budgets:
            backend.budget = budget
            started = time.perf_counter()
            report = run_eval(rag, questions, answers=True, model=args.model, progress=False)
            rows.append({"set": name, "budget": budget, **summarise(report), "seconds": round(time.perf_counter() - started, 1)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    load = Path("/proc/loadavg").read_text().split()[:3]
    out = {"model": args.model, "llm_cache_ram_mb": Settings().answer.llm_cache_ram_mb, "machine": {"load_at_end": load}, "rows": rows}
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
