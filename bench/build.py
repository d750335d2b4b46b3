"""Time from adding documents to the first answer and to full quality: a plain build (every
vector before anything is searchable) against the progressive one (searchable by words
first, vectors after), on real text, with retrieval quality at each stage.

    python bench/build.py                                # 1k and 10k chunks, plain build at 1k
    python bench/build.py --sizes 1000 --plain-up-to 1000
    python bench/build.py --sizes 1000 10000 --first-only 100000

The corpus: real DRCD dev paragraphs (one file each: their questions are the quality test),
filled up to the size with paragraphs of re-combined sentences of the other DRCD paragraphs
(as bench/scale.py), so the filler reads like the rest but holds no gold answer. Quality: recall@1 and MRR@10 of the gold paragraph's
file over up to --questions DRCD questions (seed 0), taken when the build becomes searchable
and when it is complete; the time spent measuring is taken out of the build's clock.
The model is loaded before the clock starts, as in a running server.
``--first-only`` sizes stop once searchable (their vectors would take hours here).

Writes bench/results/build.json and bench/results/build.png.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
RESULTS = ROOT / "bench" / "results"


class Searchable(Exception):
    """Raised by a --first-only run to stop once the build is searchable."""


def make_corpus(folder: Path, chunks: int, seed: int = 7) -> list[tuple[str, str]]:
    """Write about ``chunks`` chunks of text into ``folder``; returns the DRCD (question,
    gold file) pairs whose paragraph is in it. The filler is made of the sentences of the
    DRCD paragraphs left out, so no filler paragraph holds a gold paragraph's answer."""
    from scale import paragraph_plan

    from rag.corpus.chunking import ParagraphChunker
    from rag.eval.scoring import load_drcd
    from rag.settings import Settings
    from rag.types import Paragraph

    drcd = load_drcd(DRCD)
    splitter = ParagraphChunker(Settings().corpus.chunk_size, Settings().corpus.chunk_overlap)
    # Real paragraphs make up to 30% of the chunks, and at most a third of DRCD (the rest is filler).
    budget, used, kept = int(chunks * 0.3), 0, set()
    for pid, text in list(drcd.paragraphs.items())[: len(drcd.paragraphs) // 3]:
        cost = len(splitter.split(Paragraph(paragraph_id=pid, doc_id=f"{pid}.txt", number=1, start=0, end=len(text), text=text)))
        if used + cost > budget:
            break
        (folder / f"{pid}.txt").write_text(text, encoding="utf-8")
        kept.add(pid)
        used += cost
    pool = [s for pid, text in drcd.paragraphs.items() if pid not in kept for s in re.split(r"(?<=[。！？])", text) if len(s) > 5]
    fill = paragraph_plan(max(0, chunks - used), len(pool), seed)
    for f, start in enumerate(range(0, len(fill), 100)):
        text = "\n\n".join("".join(pool[j] for j in row) for row in fill[start : start + 100])
        (folder / f"filler{f:05d}.txt").write_text(text, encoding="utf-8")
    return [(q.question, f"{q.gold_paragraphs[0]}.txt") for q in drcd.questions if q.gold_paragraphs[0] in kept]


def quality(retriever, questions: list[tuple[str, str]]) -> dict[str, float]:
    from rag.eval.scoring import reciprocal_rank

    rr, first = [], []
    for question, gold in questions:
        ranked = [p.doc_id for p in retriever.search(question, 10)]
        rr.append(reciprocal_rank(ranked, {gold}))
        first.append(float(bool(ranked) and ranked[0] == gold))
    return {"recall@1": round(float(np.mean(first)), 4), "mrr@10": round(float(np.mean(rr)), 4)}


def run(size: int, plain: bool, first_only: bool, n_questions: int) -> dict:
    from rag.index.build import build_index
    from rag.index.store import load_build
    from rag.models.embedding import get_embedder
    from rag.retrieval.retriever import Retriever
    from rag.settings import Settings

    work = Path(tempfile.mkdtemp(prefix=f"bench-build-{size}-"))
    try:
        (work / "corpus").mkdir()
        questions = make_corpus(work / "corpus", size)
        questions = random.Random(0).sample(questions, min(n_questions, len(questions)))
        settings = Settings(corpus_dir=work / "corpus", index_dir=work / "index", progressive_above=10**9 if plain else 0)
        embedder = get_embedder(settings)
        embedder.encode_queries(["warm"])  # loaded, as in a server
        out: dict = {"size": size, "build": "plain" if plain else "progressive", "questions": len(questions)}
        measuring = 0.0
        started = time.perf_counter()

        def first_answer(folder: Path, stage: str) -> None:
            nonlocal measuring
            at = time.perf_counter() - started - measuring
            retriever = Retriever(load_build(folder), embedder, settings)
            retriever.search(questions[0][0], 5)
            answered = time.perf_counter() - started - measuring
            out[stage] = {"searchable_s": round(at, 2), "first_answer_s": round(answered, 2)}
            before = time.perf_counter()
            out[stage].update(quality(retriever, questions))
            measuring += time.perf_counter() - before
            if first_only:
                raise Searchable

        try:
            report = build_index(settings, embedder, on_searchable=None if plain else lambda f: first_answer(f, "lexical_stage"))
        except Searchable:
            out["chunks"] = None
            return out
        total = time.perf_counter() - started - measuring
        first_answer(Path(report.folder), "complete")
        out["complete"]["searchable_s"] = round(total, 2)
        out.update(chunks=report.chunks, total_s=round(total, 2), chunks_per_s=round(report.chunks / total, 1))
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for row in rows:
        if row.get("chunks") is None:
            continue
        points = [(0.0, 0.0)]
        if "lexical_stage" in row:
            points += [(row["lexical_stage"]["first_answer_s"], row["lexical_stage"]["mrr@10"])]
        points += [(row["complete"]["first_answer_s"], row["complete"]["mrr@10"])]
        xs, ys = zip(*points, strict=True)
        ax.step([*xs, xs[-1] * 1.1], [*ys, ys[-1]], where="post", label=f"{row['size']:,} chunks, {row['build']}")
    ax.set_xscale("symlog", linthresh=10)
    ax.set_xlabel("seconds since the documents were added")
    ax.set_ylabel("MRR@10 (DRCD questions)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--plain-up-to", type=int, default=1000, help="also time the plain build at sizes up to this")
    parser.add_argument("--first-only", type=int, nargs="*", default=[], help="sizes measured until searchable only")
    parser.add_argument("--questions", type=int, default=300)
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        for plain in ([True] if size <= args.plain_up_to else []) + [False]:
            rows.append(run(size, plain, False, args.questions))
            print(json.dumps(rows[-1]), flush=True)
    for size in args.first_only:
        rows.append(run(size, False, True, args.questions))
        print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "build.json").write_text(json.dumps({"rows": rows}, indent=2) + "\n", encoding="utf-8")
    plot(rows, RESULTS / "build.png")


if __name__ == "__main__":
    main()
