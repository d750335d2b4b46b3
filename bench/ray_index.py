"""The Ray index engine against the single-process one on DRCD dev: both index all 1,000
paragraphs, then every question is asked against each index (dense and hybrid retrieval,
the same question vectors for both), and MRR@10 / recall@1 are compared.  The Ray path
must come within 0.002 MRR@10 of the local one.  Writes bench/results/ray_index.json.

The Ray build always starts from an empty index folder, so every chunk goes through Ray
(and, without RAG_RAY_ADDRESS, the timing includes starting the local cluster).  The local
build is kept under ~/.cache/rag-cjk/bench/ray-bench-local-index with its measured time
and reused while the corpus and settings match (--fresh-local measures it again).
Question vectors are shared with bench/retrieval.py's cache.

    python bench/ray_index.py [--workers 2] [--limit N] [--fresh-local]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from retrieval import drcd_corpus  # bench/ is on sys.path when run as a script

from rag.corpus.files import load_corpus
from rag.eval.scoring import load_drcd, retrieval_metrics
from rag.index import ray_embed  # noqa: F401  (first: sets Ray's loopback switch before ray is imported)
from rag.index.build import build_index, index_status
from rag.index.store import current_build, load_build
from rag.models.embedding import get_embedder
from rag.pipeline import RAG
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
CACHE = Settings().models.cache_dir / "bench"
MODES = ("dense", "hybrid")


def question_vectors(rag: RAG, questions: list[str]) -> np.ndarray:
    """One question at a time, as `rag ask` encodes it; cached under the same key as
    bench/retrieval.py's 'ours-q-traditional-conv' vectors."""
    retriever = rag.ensure_index()
    texts = [retriever.dense_query_text(q) for q in questions]
    name = "ours-q-traditional-conv"
    key = hashlib.sha256(("\n".join(texts) + name).encode()).hexdigest()[:20]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    t0 = time.perf_counter()
    vectors = np.stack([rag.embedder.encode_queries([t])[0] for t in texts])
    print(f"  encoded {len(texts)} questions in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors, allow_pickle=False)
    return vectors


def local_build(corpus_dir: Path, fresh: bool) -> tuple[Settings, dict]:
    """The single-process index, reused from the cache when it still fits."""
    settings = Settings(corpus_dir=corpus_dir, index_dir=CACHE / "ray-bench-local-index", index_engine="local")
    timing_file = CACHE / "ray-bench-local.json"
    corpus = load_corpus(corpus_dir, settings.corpus.read_options)
    timing = json.loads(timing_file.read_text()) if timing_file.exists() else {}
    if not fresh and index_status(settings, corpus).state == "fresh" and timing.get("corpus_hash") == corpus.fingerprint:
        print(f"local index: cached (built in {timing['build_seconds']} s on {timing['measured_at']})", file=sys.stderr)
        return settings, {**timing, "cached": True}
    shutil.rmtree(settings.index.index_dir, ignore_errors=True)  # else its vectors would be reused, not measured
    print("local index: building in this process…", file=sys.stderr)
    t0 = time.perf_counter()
    report = build_index(settings, get_embedder(settings), progress=True, corpus=corpus)
    timing = {
        "corpus_hash": corpus.fingerprint,
        "build_seconds": round(time.perf_counter() - t0, 1),
        "chunks": report.chunks,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    timing_file.write_text(json.dumps(timing, indent=2) + "\n")
    return settings, {**timing, "cached": False}


def evaluate(rag: RAG, questions: list[str], vectors: np.ndarray, golds: list[set[str]]) -> dict[str, dict[str, float]]:
    retriever = rag.ensure_index()
    out = {}
    for mode in MODES:
        rankings = [
            [p.paragraph_id.split(".txt#")[0] for p in retriever.search(q, 10, mode=mode, query_vector=v)]
            for q, v in zip(questions, vectors, strict=True)
        ]
        metrics = retrieval_metrics(rankings, golds)
        out[mode] = {k: round(metrics[k], 4) for k in ("recall@1", "recall@5", "mrr@10")}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DRCD, help="DRCD dev JSON (default: ../shared/data/drcd/DRCD_dev.json).")
    ap.add_argument("--workers", type=int, default=None, help="Ray actors (default: RAG_RAY_WORKERS, else 2).")
    ap.add_argument("--ray-address", default=None, help="An existing Ray cluster (default: RAG_RAY_ADDRESS, else a local one).")
    ap.add_argument("--limit", type=int, default=0, help="Use only the first N questions (0 = all).")
    ap.add_argument("--fresh-local", action="store_true", help="Rebuild and time the single-process index even if cached.")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ray_index.json")
    args = ap.parse_args()

    dataset = load_drcd(args.data)
    questions = dataset.questions[: args.limit or None]
    asked = [q.question for q in questions]
    golds = [set(q.gold_paragraphs) for q in questions]
    corpus_dir = drcd_corpus(dataset.paragraphs)

    local_settings, local_timing = local_build(corpus_dir, args.fresh_local)
    local = RAG(local_settings)

    with tempfile.TemporaryDirectory(prefix="ray-bench-") as tmp:
        overrides = {k: v for k, v in (("ray_workers", args.workers), ("ray_address", args.ray_address)) if v is not None}
        ray_settings = Settings(corpus_dir=corpus_dir, index_dir=Path(tmp) / "index", index_engine="ray", **overrides)
        print(f"ray index: building with {ray_settings.index.ray_workers} actors…", file=sys.stderr)
        t0 = time.perf_counter()
        ray_report = build_index(ray_settings, get_embedder(ray_settings), progress=True)
        ray_seconds = time.perf_counter() - t0
        on_ray = RAG(ray_settings)

        a = load_build(current_build(local_settings.index.index_dir))  # type: ignore[arg-type]
        b = load_build(current_build(ray_settings.index.index_dir))  # type: ignore[arg-type]
        same_chunks = [c.model_dump() for c in a.chunks] == [c.model_dump() for c in b.chunks]
        va, vb = a.vectors.reconstruct_n(0, a.vectors.ntotal), b.vectors.reconstruct_n(0, b.vectors.ntotal)
        cosine = (va * vb).sum(axis=1) if va.shape == vb.shape else np.array([np.nan])

        vectors = question_vectors(local, asked)
        scores = {"local": evaluate(local, asked, vectors, golds), "ray": evaluate(on_ray, asked, vectors, golds)}

    diff = {m: {k: round(scores["ray"][m][k] - scores["local"][m][k], 4) for k in scores["local"][m]} for m in MODES}
    result = {
        "dataset": "DRCD dev v1.3",
        "paragraphs": len(dataset.paragraphs),
        "questions": len(questions),
        "chunks": ray_report.chunks,
        "embedding_model": ray_settings.models.embedding_model,
        "ray_version": _ray_version(),
        "ray_workers": ray_settings.index.ray_workers,
        "ray_cluster": ray_settings.index.ray_address or "local (127.0.0.1, started by the build)",
        "same_chunks": same_chunks,
        "vector_cosine_min": round(float(cosine.min()), 6),
        "vector_cosine_mean": round(float(cosine.mean()), 6),
        "local": {**scores["local"], "build_seconds": local_timing["build_seconds"], "build_cached": local_timing["cached"]},
        "ray": {**scores["ray"], "build_seconds": round(ray_seconds, 1)},
        "ray_minus_local": diff,
        "within_0.002_mrr@10": all(abs(diff[m]["mrr@10"]) <= 0.002 for m in MODES),
    }
    print(f"{'':<8} {'mode':<7} {'MRR@10':>7} {'R@1':>7} {'R@5':>7}   build s")
    for path in ("local", "ray"):
        for m in MODES:
            s = result[path][m]
            print(f"{path:<8} {m:<7} {s['mrr@10']:>7.4f} {s['recall@1']:>7.4f} {s['recall@5']:>7.4f}   {result[path]['build_seconds']}")
    for m in MODES:
        print(f"{'ray-local':<8} {m:<7} {diff[m]['mrr@10']:>+7.4f} {diff[m]['recall@1']:>+7.4f} {diff[m]['recall@5']:>+7.4f}")
    print(f"chunks identical: {same_chunks}; vector cosine min {result['vector_cosine_min']}, mean {result['vector_cosine_mean']}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    if not result["within_0.002_mrr@10"]:
        sys.exit("Ray path is more than 0.002 MRR@10 away from the local path")


def _ray_version() -> str:
    import ray

    return ray.__version__


if __name__ == "__main__":
    main()
