"""Accuracy of the question-kind classifier (rag.text.kinds) on a labelled set, per kind and
language, with the confusions. Writes bench/results/question_kinds.json (or --out).

    python bench/question_kinds.py questions/kinds-labelled.jsonl --out bench/results/question_kinds.json
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from rag.text.kinds import KINDS, question_kind


def score(rows: list[dict]) -> dict:
    got = [question_kind(r["question"]) for r in rows]
    pairs = list(zip(got, rows, strict=True))
    right = [g == r["kind"] for g, r in pairs]

    def accuracy(keep) -> dict:
        picked = [ok for ok, r in zip(right, rows, strict=True) if keep(r)]
        return {"n": len(picked), "accuracy": round(sum(picked) / len(picked), 3) if picked else None}

    return {
        "questions": len(rows),
        "accuracy": round(sum(right) / len(rows), 3),
        "by_kind": {k: accuracy(lambda r, k=k: r["kind"] == k) for k in KINDS},
        "by_lang": {lang: accuracy(lambda r, lang=lang: r["lang"] == lang) for lang in sorted({r["lang"] for r in rows})},
        "open_vs_lookup_accuracy": round(
            sum((g == "lookup") == (r["kind"] == "lookup") for g, r in zip(got, rows, strict=True)) / len(rows), 3
        ),
        "confusions": dict(Counter(f"{r['kind']}->{g}" for g, r in zip(got, rows, strict=True) if g != r["kind"]).most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--out", type=Path, default=Path("bench/results/question_kinds.json"))
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    report = {"set": args.questions.as_posix(), **score(rows)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "confusions"}, ensure_ascii=False, indent=1))
    print("confusions:", report["confusions"])


if __name__ == "__main__":
    main()
