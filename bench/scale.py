"""Scale benchmark: index build, incremental update, and query latency from 10k to 1M chunks,
beside the LangChain tutorial pipeline on the same data.

    python bench/scale.py                          # everything (about an hour on 2 cores)
    python bench/scale.py --sizes 10000 100000     # search part only at these sizes
    python bench/scale.py --skip-build             # skip the real-text build at 10k

Two parts:

* **build** (real text, real model): a corpus of ``--build-size`` chunks made of real
  Chinese sentences (DRCD dev, re-combined into 3-sentence paragraphs in 100 files) is
  indexed with ``rag index``'s code path: chunks/s, peak memory, size on disk; then one
  file is changed, one added and one deleted, each followed by an incremental rebuild
  (target: <= 5 s at 10k chunks).  The LangChain tutorial pipeline (1000/200 splitter,
  HuggingFaceEmbeddings on the same model, FAISS.from_documents) embeds part of the
  same corpus for a throughput comparison.
* **search** (synthetic vectors, real text): at each size, chunk vectors are mixtures of
  real DRCD chunk vectors plus noise (so neighbourhoods look like real embeddings) and the
  lexical channel indexes real sentences; questions are real DRCD questions with their
  real query vectors.  Each (size, system) runs in its own process so peak memory is its
  own.  Reported: build seconds, size on disk, peak RSS, p50/p95 latency for dense,
  lexical and hybrid retrieval (vector given) and hybrid including question encoding,
  and recall@10 of the approximate index against exact search on the same vectors.

Writes bench/results/scale.json and bench/results/scale.png.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
RESULTS = ROOT / "bench" / "results"
SENTENCES_PER_PARAGRAPH = 3
QUESTIONS = 200


# -- data ---------------------------------------------------------------------------------
def sentence_pool() -> list[str]:
    from rag.eval.scoring import load_drcd

    paragraphs = load_drcd(DRCD).paragraphs.values()
    return [s for p in paragraphs for s in re.split(r"(?<=[。！？])", p) if len(s) > 5]


def paragraph_plan(n: int, pool_size: int, seed: int) -> np.ndarray:
    """Row i lists the pool sentences of synthetic paragraph i."""
    return np.random.default_rng(seed).integers(0, pool_size, (n, SENTENCES_PER_PARAGRAPH))


def base_vectors() -> np.ndarray:
    """Real chunk vectors of the DRCD dev corpus (the retrieval bench's cached index)."""
    from retrieval import CACHE, drcd_corpus

    from rag.corpus.files import corpus_of
    from rag.eval.scoring import load_drcd
    from rag.index.build import build_index, index_status
    from rag.index.store import current_build, load_build
    from rag.models.embedding import get_embedder
    from rag.settings import Settings

    settings = Settings(corpus_dir=drcd_corpus(load_drcd(DRCD).paragraphs), index_dir=CACHE / "drcd-index")
    if index_status(settings, corpus_of(settings)).state != "fresh":
        build_index(settings, get_embedder(settings), progress=True)
    folder = current_build(settings.index.index_dir)
    assert folder is not None
    stored = load_build(folder)
    return stored.vectors.reconstruct_n(0, stored.vectors.ntotal)


def synthetic_vectors(n: int, base: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        a, b = rng.integers(0, len(base), m), rng.integers(0, len(base), m)
        w = rng.uniform(0.5, 1.0, (m, 1)).astype(np.float32)
        v = w * base[a] + (1 - w) * base[b] + 0.02 * rng.standard_normal((m, base.shape[1])).astype(np.float32)
        out[start : start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def peak_rss_mb() -> float:
    # VmHWM, not getrusage: ru_maxrss survives exec, so a worker would report its parent's peak.
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.array(seconds) * 1000
    return {"p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2)}


# -- search part: one process per (size, system) ---------------------------------------------
def search_ours(n: int, work: Path, query_file: Path) -> dict:
    import bm25s
    import faiss

    from rag.index import vectors as vector_index
    from rag.index.lexical import LexicalIndex, lexical_tokens
    from rag.index.store import current_build, load_build, write_build
    from rag.models.embedding import get_embedder
    from rag.retrieval.retriever import Retriever
    from rag.settings import Settings
    from rag.types import Chunk, Paragraph

    settings = Settings()
    pool = sentence_pool()
    plan = paragraph_plan(n, len(pool), seed=n)
    vectors = synthetic_vectors(n, np.load(query_file.with_name("base.npy")), seed=n)
    started = time.perf_counter()
    # Paragraph tokens are the concatenation of its sentences' tokens (a sentence ends in
    # 。, which already breaks a Han run), so each pool sentence is tokenised once.
    vocab: dict[str, int] = {}
    sentence_ids = [np.array([vocab.setdefault(t, len(vocab)) for t in lexical_tokens(s)], np.int64) for s in pool]
    token_ids = [np.concatenate([sentence_ids[j] for j in row]).tolist() for row in plan]
    model = bm25s.BM25()
    model.index(bm25s.tokenization.Tokenized(ids=token_ids, vocab=vocab), show_progress=False)
    del token_ids
    paragraphs, chunks = [], []
    for i, row in enumerate(plan):
        text = "".join(pool[j] for j in row)
        doc, number = f"f{i // 1000}.txt", i % 1000 + 1
        paragraphs.append(Paragraph(paragraph_id=f"{doc}#p{number}", doc_id=doc, number=number, start=0, end=len(text), text=text))
        chunks.append(Chunk(paragraph_id=f"{doc}#p{number}", start=0, end=len(text), text=text))
    kind = vector_index.choose_kind(settings.index.vector_index, n, settings.index.approximate_above)
    write_build(work, {"corpus_hash": "synthetic", "script": "zh-Hant"}, vectors, paragraphs, chunks, LexicalIndex(model), kind)
    build_seconds = time.perf_counter() - started
    del paragraphs, chunks, model
    folder = current_build(work)
    assert folder is not None
    t0 = time.perf_counter()
    stored = load_build(folder)
    load_seconds = time.perf_counter() - t0
    embedder = get_embedder(settings)
    retriever = Retriever(stored, embedder, settings)
    data = json.loads(query_file.read_text(encoding="utf-8"))
    questions, qvec = data["questions"], np.asarray(data["vectors"], np.float32)
    for q, v in zip(questions[:5], qvec[:5], strict=True):  # warm the page cache and code paths
        retriever.search(q, 10, query_vector=v)
    out: dict = {"system": "ours", "chunks": n, "vector_index": kind, "build_s": round(build_seconds, 1), "load_s": round(load_seconds, 1)}
    for mode in ("dense", "lexical", "hybrid"):
        lat = []
        for q, v in zip(questions, qvec, strict=True):
            t = time.perf_counter()
            retriever.search(q, 10, mode=mode, query_vector=v)
            lat.append(time.perf_counter() - t)
        out[mode] = percentiles(lat)
    lat = []
    for q in questions:
        t = time.perf_counter()
        retriever.search(q, 10)  # encodes the question too, as a user's query does
        lat.append(time.perf_counter() - t)
    out["hybrid_with_encoding"] = percentiles(lat)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, want = exact.search(qvec, 10)
    got = [vector_index.search(stored.vectors, v, 10, settings.index.hnsw_ef_search)[1][0] for v in qvec]
    out["dense_recall_at_10_vs_exact"] = round(float(np.mean([len(set(w) & set(g)) / 10 for w, g in zip(want, got, strict=True)])), 4)
    out["index_mb"] = round(folder_mb(folder), 1)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def search_langchain(n: int, work: Path, query_file: Path) -> dict:
    """The tutorial's store: FAISS.from_embeddings (flat L2) with an in-memory docstore."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.embeddings import Embeddings

    class GivenVectors(Embeddings):
        """Vectors are passed in; the tutorial would embed with the same model."""

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            raise NotImplementedError

        def embed_query(self, text: str) -> list[float]:
            raise NotImplementedError

    pool = sentence_pool()
    plan = paragraph_plan(n, len(pool), seed=n)
    vectors = synthetic_vectors(n, np.load(query_file.with_name("base.npy")), seed=n)
    started = time.perf_counter()
    pairs = (("".join(pool[j] for j in row), vectors[i].tolist()) for i, row in enumerate(plan))
    store = FAISS.from_embeddings(pairs, GivenVectors())
    build_seconds = time.perf_counter() - started
    store.save_local(str(work))  # writes a pickle (index.pkl); measured here, never loaded
    data = json.loads(query_file.read_text(encoding="utf-8"))
    lat = []
    for v in data["vectors"]:
        t = time.perf_counter()
        store.similarity_search_by_vector(v, k=10)
        lat.append(time.perf_counter() - t)
    return {
        "system": "langchain",
        "chunks": n,
        "vector_index": "flat (IndexFlatL2)",
        "build_s": round(build_seconds, 1),
        "dense": percentiles(lat),
        "index_mb": round(folder_mb(work), 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def query_set(path: Path) -> None:
    """DRCD questions with their real query vectors, shared by every worker."""
    from rag.eval.scoring import load_drcd
    from rag.models.embedding import get_embedder
    from rag.settings import Settings

    questions = [q.question for q in load_drcd(DRCD).questions[::17][:QUESTIONS]]
    vectors = get_embedder(Settings()).encode_queries(questions)
    path.write_text(json.dumps({"questions": questions, "vectors": vectors.tolist()}), encoding="utf-8")


# -- build part: real text, real model -------------------------------------------------------
def write_text_corpus(folder: Path, paragraphs: int, files: int = 100, seed: int = 7) -> None:
    pool = sentence_pool()
    plan = paragraph_plan(paragraphs, len(pool), seed)
    per_file = -(-paragraphs // files)
    for f in range(files):
        rows = plan[f * per_file : (f + 1) * per_file]
        if len(rows):
            (folder / f"doc{f:03d}.txt").write_text("\n\n".join("".join(pool[j] for j in r) for r in rows), encoding="utf-8")


def build_ours(size: int, work: Path) -> dict:
    from rag.index.build import build_index
    from rag.index.store import current_build
    from rag.models.embedding import get_embedder
    from rag.settings import Settings

    corpus = work / "corpus"
    corpus.mkdir()
    write_text_corpus(corpus, size)
    settings = Settings(corpus_dir=corpus, index_dir=work / "index")
    embedder = get_embedder(settings)
    report = build_index(settings, embedder, progress=True)
    folder = current_build(settings.index.index_dir)
    assert folder is not None
    out = {
        "system": "ours",
        "embedding_backend": "torch",
        "chunks": report.chunks,
        "build_s": round(report.seconds, 1),
        "chunks_per_s": round(report.chunks / report.seconds, 1),
        "index_mb": round(folder_mb(folder), 1),
    }
    doc = corpus / "doc050.txt"
    paragraphs = doc.read_text(encoding="utf-8").split("\n\n")
    paragraphs[3] = "西伯利亞力量2號管道每年最多可輸送500億立方公尺天然氣。" + paragraphs[3]
    doc.write_text("\n\n".join(paragraphs), encoding="utf-8")
    changed = build_index(settings, embedder)
    shutil.copy(corpus / "doc001.txt", corpus / "new.txt")
    (corpus / "new.txt").write_text((corpus / "new.txt").read_text(encoding="utf-8") + "\n\n新增的段落。", encoding="utf-8")
    added = build_index(settings, embedder)
    (corpus / "doc099.txt").unlink()
    deleted = build_index(settings, embedder)
    out["incremental"] = {
        name: {"seconds": round(r.seconds, 2), "re_embedded": r.chunks - r.reused_chunks, "chunks": r.chunks}
        for name, r in (("one_file_changed", changed), ("one_file_added", added), ("one_file_deleted", deleted))
    }
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return out


def build_langchain(size: int, work: Path, share: float) -> dict:
    """The tutorial pipeline on the first ``share`` of the same files (its embedding costs as much as ours per character)."""
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from rag.models.embedding import resolve_model_path
    from rag.settings import Settings

    corpus = work / "corpus"
    corpus.mkdir()
    write_text_corpus(corpus, size)
    files = sorted(corpus.glob("*.txt"))
    files = files[: max(1, int(len(files) * share))]
    started = time.perf_counter()
    docs = [Document(page_content=f.read_text(encoding="utf-8"), metadata={"source": f.name}) for f in files]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    embeddings = HuggingFaceEmbeddings(model_name=resolve_model_path(Settings()), model_kwargs={"device": "cpu"})
    FAISS.from_documents(chunks, embeddings)
    seconds = time.perf_counter() - started
    chars = sum(len(c.page_content) for c in chunks)
    return {
        "system": "langchain",
        "files": len(files),
        "chunks": len(chunks),
        "build_s": round(seconds, 1),
        "chunks_per_s": round(len(chunks) / seconds, 2),
        "chars_per_s": round(chars / seconds, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


# -- driver -------------------------------------------------------------------------------------
def worker(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.worker == "search":
            fn = search_ours if args.system == "ours" else search_langchain
            result = fn(args.size, work, args.query_file)
        elif args.system == "ours":
            result = build_ours(args.size, work)
        else:
            result = build_langchain(args.size, work, args.langchain_share)
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)


def run_worker(*extra: str) -> dict:
    cmd = [sys.executable, __file__, *extra]
    print("$", " ".join(cmd[1:]), flush=True)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        # A row that could not run (LangChain's docstore at 1M chunks can exhaust memory)
        # is recorded as such; the other rows stand.
        why = "killed (out of memory?)" if proc.returncode < 0 else f"exit code {proc.returncode}"
        result = {"error": why, **{k.lstrip("-"): v for k, v in zip(extra[::2], extra[1::2], strict=False)}}
    else:
        result = json.loads(lines[-1][len("RESULT ") :])
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


def plot(searches: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    lines = [
        ("ours", "hybrid_with_encoding", "ours: hybrid incl. question encoding"),
        ("ours", "hybrid", "ours: hybrid"),
        ("ours", "dense", "ours: dense"),
        ("ours", "lexical", "ours: lexical (BM25)"),
        ("langchain", "dense", "LangChain FAISS: dense"),
    ]
    for system, key, label in lines:
        rows = sorted((r for r in searches if r["system"] == system and key in r), key=lambda r: r["chunks"])
        if rows:
            ax.plot([r["chunks"] for r in rows], [r[key]["p95_ms"] for r in rows], marker="o", label=label)
    ax.axhline(50, color="grey", linestyle=":", label="target p95 (50 ms)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("query latency p95 (ms), 2 cores")
    ax.set_title("Retrieval latency vs corpus size")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000], help="Chunk counts for the search part.")
    ap.add_argument("--build-size", type=int, default=10_000, help="Paragraphs in the real-text build corpus (about one chunk each).")
    ap.add_argument("--skip-build", action="store_true", help="Skip the real-text build part.")
    ap.add_argument("--skip-search", action="store_true", help="Skip the search part (its rows are kept from --out if it exists).")
    ap.add_argument("--skip-langchain", action="store_true", help="Skip the LangChain rows.")
    ap.add_argument("--langchain-share", type=float, default=0.2, help="Share of the build corpus LangChain embeds.")
    ap.add_argument("--out", type=Path, default=RESULTS / "scale.json")
    ap.add_argument("--plot", type=Path, default=RESULTS / "scale.png")
    ap.add_argument("--worker", choices=["search", "build"], help=argparse.SUPPRESS)
    ap.add_argument("--system", choices=["ours", "langchain"], help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--query-file", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return

    systems = ["ours"] if args.skip_langchain else ["ours", "langchain"]
    result: dict = {"machine": {"cores": __import__("os").cpu_count()}, "search": [], "build": []}
    if args.skip_search and args.out.exists():
        result["search"] = json.loads(args.out.read_text(encoding="utf-8"))["search"]
    with tempfile.TemporaryDirectory() as tmp:
        if args.skip_search:
            args.sizes = []
        query_file = Path(tmp) / "queries.json"
        if args.sizes:
            query_set(query_file)
            np.save(query_file.with_name("base.npy"), base_vectors())
        for size in args.sizes:
            for system in systems:
                extra = ["--system", system, "--size", str(size), "--query-file", str(query_file)]
                result["search"].append(run_worker("--worker", "search", *extra))
    if not args.skip_build:
        for system in systems:
            extra = ["--langchain-share", str(args.langchain_share)] if system == "langchain" else []
            result["build"].append(run_worker("--worker", "build", "--system", system, "--size", str(args.build_size), *extra))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    plot(result["search"], args.plot)
    print(f"wrote {args.out} and {args.plot}")


if __name__ == "__main__":
    main()
