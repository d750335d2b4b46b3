"""First retrieval evaluation: DRCD dev, all 1,000 paragraphs as the corpus, every
question asked against the whole index; a hit when the question's own paragraph is
retrieved.  Prints recall@1/5/10 and MRR@10 and writes bench/results/drcd_retrieval.json.

    python bench/drcd_retrieval.py [--chunk-size 240 --chunk-overlap 40] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.eval.scoring import load_drcd, retrieval_metrics
from rag.index.build import build_index
from rag.index.store import current_build, load_build
from rag.models.embedding import get_embedder
from rag.retrieval.retriever import Retriever
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"


def write_corpus(paragraphs: dict[str, str], folder: Path) -> dict[str, str]:
    """One file per DRCD paragraph; returns our paragraph id -> DRCD paragraph id."""
    mapping = {}
    for drcd_id, text in paragraphs.items():
        (folder / f"{drcd_id}.txt").write_text(text, encoding="utf-8")
        mapping[f"{drcd_id}.txt#p1"] = drcd_id
    return mapping


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DRCD)
    ap.add_argument("--chunk-size", type=int, default=None)
    ap.add_argument("--chunk-overlap", type=int, default=None)
    ap.add_argument("--limit", type=int, default=0, help="Use only the first N questions (0 = all).")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "drcd_retrieval.json")
    args = ap.parse_args()

    dataset = load_drcd(args.data)
    questions = dataset.questions[: args.limit or None]
    with tempfile.TemporaryDirectory() as tmp:
        corpus_dir = Path(tmp) / "corpus"
        corpus_dir.mkdir()
        mapping = write_corpus(dataset.paragraphs, corpus_dir)
        overrides = {k: v for k, v in (("chunk_size", args.chunk_size), ("chunk_overlap", args.chunk_overlap)) if v is not None}
        settings = Settings(corpus_dir=corpus_dir, index_dir=Path(tmp) / "index", **overrides)
        embedder = get_embedder(settings)
        t0 = time.perf_counter()
        report = build_index(settings, embedder, progress=True)
        build_seconds = time.perf_counter() - t0
        folder = current_build(settings.index.index_dir)
        assert folder is not None
        retriever = Retriever(load_build(folder), embedder, settings.changed(**{"retrieval_mode": "dense"}))
        t0 = time.perf_counter()
        vectors = embedder.encode_queries([q.question for q in questions])
        encode_seconds = time.perf_counter() - t0
        rankings, latencies = [], []
        for question, vector in zip(questions, vectors, strict=True):
            t = time.perf_counter()
            hits = retriever.search(question.question, 10, query_vector=vector)
            latencies.append(time.perf_counter() - t)
            rankings.append([mapping[h.paragraph_id] for h in hits])
    metrics = retrieval_metrics(rankings, [set(q.gold_paragraphs) for q in questions])
    result = {
        "dataset": "DRCD dev v1.3",
        "paragraphs": len(dataset.paragraphs),
        "questions": len(questions),
        "retriever": "dense",
        "embedding_model": settings.models.embedding_model,
        "chunk_size": settings.corpus.chunk_size,
        "chunk_overlap": settings.corpus.chunk_overlap,
        "chunks": report.chunks,
        **{k: round(v, 4) for k, v in metrics.items()},
        "build_seconds": round(build_seconds, 1),
        "chunks_per_second": round(report.chunks / build_seconds, 2),
        "query_encode_ms_mean": round(1000 * encode_seconds / len(questions), 2),
        "search_ms_p50": round(1000 * float(np.percentile(latencies, 50)), 3),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
