"""The usual "stuff" chain beside ours: the same local model reads the same top passages with a
plain prompt and no checks; its answers are scored by key points like `rag eval --answers`.
Writes bench/results/plain-prompt-<set>.json with the recorded figures of our answers beside
it when a `rag eval` report of the same set is given.

    RAG_CORPUS_DIR=/tmp/open-corpus RAG_INDEX_DIR=/tmp/open-index \\
      python bench/plain_prompt.py questions/open-heldout.jsonl --ours bench/results/open-heldout-local-first.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from rag.answer.backends import Usage
from rag.errors import RagError
from rag.eval.scoring import load_questions, point_coverage
from rag.pipeline import RAG
from rag.text.language import detect_language, to_simplified

PLAIN = {
    "zh-Hant": "根據以下資料回答問題。\n\n{sources}\n\n問題：{question}",
    "en": "Answer the question using the sources below.\n\n{sources}\n\nQuestion: {question}",
}
PLAIN["zh-Hans"] = to_simplified(PLAIN["zh-Hant"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--ours", type=Path, help="a rag eval --answers report of the same set, shown beside")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rag = RAG()
    chat = rag.backend("local").chat  # type: ignore[attr-defined]
    rows = []
    for q in load_questions(args.questions):
        passages = rag.retrieve(q.question)
        sources = "\n\n".join(f"[{p.rank}] {p.text}" for p in passages)
        prompt = PLAIN[detect_language(q.question)].format(sources=sources, question=q.question)
        started, text, first, error = time.perf_counter(), "", None, ""
        try:
            for piece in chat.stream_chat([{"role": "user", "content": prompt}]):
                if isinstance(piece, Usage):
                    continue
                first = first or time.perf_counter() - started
                text += piece
        except RagError as exc:  # a timeout on a busy machine: counted, scored as what was written
            error = exc.message
        rows.append(
            {
                "error": error,
                "id": q.qid,
                "kind": q.kind,
                "lang": q.lang,
                "coverage": point_coverage(text, q.points),
                "answer": text,
                "first_token_s": first,
                "total_s": time.perf_counter() - started,
            }
        )
        print(q.qid, round(rows[-1]["coverage"], 2), flush=True)
    report = {
        "set": args.questions.as_posix(),
        "plain_prompt": {
            "key_point_coverage": round(float(np.mean([r["coverage"] for r in rows])), 3),
            "refusals": None,  # the plain chain has no refusal form: every answer counts as given
            "first_token_s_p50": round(float(np.median([r["first_token_s"] or 0 for r in rows])), 2),
            "total_s_p50": round(float(np.median([r["total_s"] for r in rows])), 2),
            "model_errors": sum(bool(r["error"]) for r in rows),
        },
        "per_question": rows,
    }
    if args.ours:
        ours = json.loads(args.ours.read_text(encoding="utf-8"))["answers"]
        report["ours"] = {k: ours.get(k) for k in ("key_point_coverage", "open_refusals", "sentence_citation_precision", "latency_ms_p50")}
    out = args.out or Path("bench/results") / f"plain-prompt-{args.questions.stem}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "per_question"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
