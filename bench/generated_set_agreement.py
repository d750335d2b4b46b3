"""Does a generated question set tell the truth? On the DRCD dev library (every article a
document, bench/open_corpus.py), rank retrieval configurations (hybrid / dense / lexical,
two chunk sizes) once by the human-written DRCD dev questions and once by a set
`rag eval generate` made from the same documents, and report how far the two rankings
agree (Kendall's tau, Spearman's rho, pairs ordered alike) and the difference in scores.

    python bench/open_corpus.py --out /tmp/gen/open-corpus
    python bench/generated_set_agreement.py --library /tmp/gen/open-corpus --work /tmp/gen

Writes bench/results/generated_set_agreement-SEED.json. The DRCD file is read from ../shared.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import replace
from pathlib import Path

from scipy.stats import kendalltau, spearmanr

from rag.eval.generate import KINDS, TUNING, generate_set
from rag.eval.runner import run_eval
from rag.eval.scoring import EvalQuestion, load_drcd, load_questions, sample_at_random
from rag.pipeline import RAG
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
MODES = ("hybrid", "dense", "lexical")
CHUNKS = ((240, 40), (480, 60))  # today's default and a chunk twice as long
METRICS = ("mrr@10", "recall@1", "recall@5")


def library_rag(library: Path, work: Path, chunk: tuple[int, int]) -> RAG:
    settings = Settings(corpus_dir=library, index_dir=work / f"index-{chunk[0]}", chunk_size=chunk[0], chunk_overlap=chunk[1])
    rag = RAG(settings, progress=True)
    rag.ensure_index()
    return rag


def scores(rag: RAG, questions: list[EvalQuestion], mode: str) -> dict[str, float]:
    report = run_eval(rag, questions, mode=mode, progress=False)
    return {m: round(report["retrieval"][m], 4) for m in METRICS} | {"evaluated": report["retrieval"]["evaluated"]}


def _sign(x: float) -> int:
    return (x > 1e-9) - (x < -1e-9)


def agreement(human: dict[str, float], generated: dict[str, float]) -> dict[str, float]:
    """How alike two sets rank the same configurations by one figure."""
    names = sorted(human)
    a, b = [human[n] for n in names], [generated[n] for n in names]
    pairs = list(itertools.combinations(names, 2))
    alike = sum(_sign(human[x] - human[y]) == _sign(generated[x] - generated[y]) for x, y in pairs)  # ties alike too
    return {
        "kendall_tau": round(float(kendalltau(a, b).statistic), 3),
        "spearman_rho": round(float(spearmanr(a, b).statistic), 3),
        "pairs_ordered_alike": f"{alike}/{len(pairs)}",
        "best_by_human": max(names, key=human.__getitem__),
        "best_by_generated": max(names, key=generated.__getitem__),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--library", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--n", type=int, default=600, help="Questions in each set.")
    ap.add_argument("--seed", type=int, default=2071)
    ap.add_argument(
        "--most-copied", type=float, nargs="+", default=[TUNING.most_copied], help="GenerateTuning.most_copied values to compare."
    )
    ap.add_argument("--out", type=Path, default=None, help="Default: bench/results/generated_set_agreement-SEED.json.")
    args = ap.parse_args()
    args.out = args.out or ROOT / "bench" / "results" / f"generated_set_agreement-{args.seed}.json"

    rags = {chunk[0]: library_rag(args.library, args.work, chunk) for chunk in CHUNKS}
    stored = rags[CHUNKS[0][0]].ensure_index().stored
    drcd = load_drcd(DRCD)
    human = sample_at_random([q for q in drcd.questions if not q.unanswerable], args.n, args.seed)
    for q in human:  # the library holds each DRCD paragraph whole, under ids of its own
        q.gold_text = [drcd.paragraphs[pid].strip() for pid in q.gold_paragraphs]
    sets: dict[str, list[EvalQuestion]] = {"human (DRCD dev)": human}
    for copied, (name, kinds) in itertools.product(args.most_copied, (("lookups", ["lookup"]), ("all kinds", list(KINDS)))):
        label = f"generated {name}, most_copied {copied}"
        path = args.work / f"generated-{kinds[-1]}-{copied}-{args.seed}.jsonl"
        path.unlink(missing_ok=True)
        tuning = replace(TUNING, most_copied=copied)
        made = generate_set(stored.paragraphs.values(), stored.maps, path, args.n, kinds, ["zh-Hant"], args.seed, tuning=tuning)
        print(label, made.by_kind, made.dropped)
        sets[label] = load_questions(path)

    table: dict[str, dict[str, dict[str, float]]] = {label: {} for label in sets}
    started = time.perf_counter()
    for (chunk, rag), mode in itertools.product(rags.items(), MODES):
        for label, questions in sets.items():
            table[label][f"{mode}, chunk {chunk}"] = scores(rag, questions, mode)
            print(label, mode, chunk, table[label][f"{mode}, chunk {chunk}"], flush=True)
    human = table["human (DRCD dev)"]
    result = {
        "library": "DRCD dev articles (bench/open_corpus.py) + the seed article",
        "seed": args.seed,
        "questions_per_set": {label: len(qs) for label, qs in sets.items()},
        "scores": table,
        "agreement_with_human": {
            label: {m: agreement({c: s[m] for c, s in human.items()}, {c: s[m] for c, s in table[label].items()}) for m in METRICS}
            for label in sets
            if label != "human (DRCD dev)"
        },
        "score_difference_generated_minus_human": {
            label: {c: {m: round(table[label][c][m] - human[c][m], 4) for m in METRICS} for c in human}
            for label in sets
            if label != "human (DRCD dev)"
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result["agreement_with_human"], ensure_ascii=False, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
