"""How soon a person has something true to read: the time from asking to the extractive
quote (the ``Draft`` event) while a generative model is about to write, per seed question.

    python bench/instant_quote.py [--model local] [--repeats 1]

The model is loaded before the first question (as `rag serve` does at start-up), so each
time is the question's cleaning, search and quote; the model's own answer is not waited
for (the stream is closed at the quote). Writes bench/results/instant_quote.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from rag.answer.backends import Draft
from rag.eval.scoring import load_questions
from rag.pipeline import RAG

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="local", help="a generative answer model (the quote comes before its words)")
    parser.add_argument("--questions", type=Path, default=ROOT / "questions" / "seed.jsonl")
    parser.add_argument("--repeats", type=int, default=1, help="times each question is asked")
    args = parser.parse_args()
    rag = RAG()
    rag.ensure_index()
    rag.backend(args.model)  # loaded, as at start-up
    quoted, unquoted = [], []  # seconds to the quote; to the first word where there is no quote
    for _ in range(args.repeats):
        for q in load_questions(args.questions):
            started = time.perf_counter()
            events = rag.ask_stream(q.question, model=args.model)
            first = next(iter(events))  # the quote, or the model's first word (or refusal) when none passes its bar
            (quoted if isinstance(first, Draft) else unquoted).append(time.perf_counter() - started)
            events.close()  # type: ignore[attr-defined]
    if not quoted:
        raise SystemExit("No question got a quote: is RAG_INSTANT_ANSWER off, or --model extractive?")
    ms = np.array(quoted) * 1000
    result = {
        "model": args.model,
        "questions": str(args.questions.relative_to(ROOT)) if args.questions.is_relative_to(ROOT) else str(args.questions),
        "asked": len(quoted) + len(unquoted),
        "with_a_quote": len(quoted),
        "quote_ms_p50": round(float(np.percentile(ms, 50)), 1),
        "quote_ms_p95": round(float(np.percentile(ms, 95)), 1),
        "quote_ms_max": round(float(ms.max()), 1),
        "without_a_quote_first_event_ms": [round(1000 * t, 1) for t in unquoted],
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
    }
    print(json.dumps(result, indent=2))
    (RESULTS / "instant_quote.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
