"""What each citation rule is worth: every recording replayed with each rule switched off.

    python bench/ablation.py                 # prints the table, writes bench/results/ablation.json

For each rule, what switching it off does to citation precision, answers citing only gold,
answers containing an accepted answer, wrong answers shown and false abstention, on the
recordings the rule was not written from (``WRITTEN_FROM``: where the cases that prompted it
came from, tests/citations/rules/cases.json) and on all recordings. A rule pays when
switching it off makes one of those worse on recordings it was not written from.
Recordings and corpora as in bench/replay.py; bench/report.py puts the table in RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from replay import QUESTION_SETS, ROOT, SAMPLES, _pipelines, replay_sample  # noqa: E402

# Where the cases that prompted each rule came from (recording names; local-seed is
# questions/seed.jsonl), as listed in the rule tests' data file.
CASES = json.loads((ROOT / "tests" / "citations" / "rules" / "cases.json").read_text(encoding="utf-8"))
WRITTEN_FROM: dict[str, set[str]] = {}
for _case in CASES:
    WRITTEN_FROM.setdefault(_case["rule"], set()).add(_case["sample"])


def _counts(report: dict[str, Any]) -> dict[str, float]:
    """What can be summed across recordings: precision and shares as counts."""
    a = report["answers"]
    questions = report["questions"] if isinstance(report["questions"], int) else len(report["per_question"])
    return {
        "gold_citations": (a.get("citation_precision") or 0.0) * a.get("citations", 0),
        "citations": a.get("citations", 0),
        "only_gold": (a.get("answers_citing_only_gold") or 0.0) * a.get("answers_citing", 0),
        "answers_citing": a.get("answers_citing", 0),
        "false_abstentions": (a.get("false_abstention_rate") or 0.0) * (questions - a.get("unanswerable", 0)),
        "answerable": questions - a.get("unanswerable", 0),
        "withheld": a.get("withheld_answers", 0),
        # Of the questions with accepted answers: shown answers that contain one, and shown
        # answers that contain none (what a rule that withholds is there to stop).
        "scored": sum("contains" in r for r in report["per_question"]),
        "right": sum(r.get("contains", 0.0) for r in report["per_question"]),
        "shown_wrong": sum("contains" in r and not r["contains"] and not r["abstained"] for r in report["per_question"]),
    }


def _pooled(counts: list[dict[str, float]]) -> dict[str, float]:
    total = {k: sum(c[k] for c in counts) for k in counts[0]}
    return {
        "citation_precision": total["gold_citations"] / max(total["citations"], 1),
        "answers_citing_only_gold": total["only_gold"] / max(total["answers_citing"], 1),
        "false_abstention_rate": total["false_abstentions"] / max(total["answerable"], 1),
        "withheld_answers": total["withheld"],
        "contains": total["right"] / max(total["scored"], 1),
        "shown_wrong": total["shown_wrong"],
        "citations": total["citations"],
    }


class CachedEmbedder:
    """The pipeline's embedder, remembering each text's vector: every replay encodes the
    same claims and sources, and every run (the one with all rules on too) reads the same vectors."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.cache: dict[tuple[str, str], np.ndarray] = {}

    def _encode(self, kind: str, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if (kind, t) not in self.cache))
        if missing:
            vectors = getattr(self.embedder, kind)(missing)
            self.cache.update({(kind, t): v for t, v in zip(missing, vectors, strict=True)})
        return np.array([self.cache[(kind, t)] for t in texts]).reshape(len(texts), -1)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode("encode_queries", texts)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode("encode_passages", texts)


def replay(pipelines: dict[str, Any], rules_off: frozenset[str], embedders: dict[str, CachedEmbedder]) -> dict[str, dict[str, Any]]:
    reports = {}
    for name in SAMPLES:
        corpus = QUESTION_SETS[SAMPLES[name][0]][1]
        embedder = embedders.setdefault(corpus, CachedEmbedder(pipelines[corpus].embedder))
        reports[name] = replay_sample(pipelines, name, rules_off, embedder)
    return reports


def main() -> int:
    from rag.citations.rules import RULE_NAMES

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ablation.json")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("RAG_BENCH_WORK", "~/.cache/rag-cjk/bench")).expanduser())
    args = parser.parse_args()
    pipelines = _pipelines(args.work)
    started = time.perf_counter()
    embedders: dict[str, CachedEmbedder] = {}
    runs: dict[str, dict[str, dict[str, Any]]] = {"none": replay(pipelines, frozenset(), embedders)}
    for rule in RULE_NAMES:
        runs[rule] = replay(pipelines, frozenset({rule}), embedders)
        print(f"{rule}: replayed ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    base = {name: _counts(r) for name, r in runs["none"].items()}
    table = {}
    for rule in RULE_NAMES:
        off = {name: _counts(r) for name, r in runs[rule].items()}
        unseen = [name for name in SAMPLES if name not in WRITTEN_FROM[rule]]
        row: dict[str, Any] = {"written_from": sorted(WRITTEN_FROM[rule]), "not_written_from": unseen}
        for scope, names in (("unseen", unseen), ("all", list(SAMPLES))):
            before, after = _pooled([base[n] for n in names]), _pooled([off[n] for n in names])
            row[scope] = {"with_rule": before, "without_rule": after}
        changed = {
            name: sum(
                a["answer"] != b["answer"] or a["cited"] != b["cited"]
                for a, b in zip(runs["none"][name]["per_question"], runs[rule][name]["per_question"], strict=True)
            )
            for name in SAMPLES
        }
        row["changed_questions"] = sum(changed.values())
        row["changed_unseen"] = sum(changed[n] for n in unseen)
        table[rule] = row
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        "| rule off | questions changed: all / unseen | unseen: precision | only gold | contains | "
        "wrong answers shown | false abstention | all: precision | contains |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for rule, row in table.items():
        u, a = row["unseen"], row["all"]

        def change(scope: dict[str, Any], metric: str, digits: int = 3) -> str:
            return f"{scope['with_rule'][metric]:.{digits}f} → {scope['without_rule'][metric]:.{digits}f}"

        cells = [
            change(u, "citation_precision"),
            change(u, "answers_citing_only_gold"),
            change(u, "contains"),
            change(u, "shown_wrong", 0),
            change(u, "false_abstention_rate"),
            change(a, "citation_precision"),
            change(a, "contains"),
        ]
        print(f"| {rule} | {row['changed_questions']} / {row['changed_unseen']} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
