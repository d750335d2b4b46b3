"""Side-by-side retrieval on DRCD dev: every question against all 1,000 paragraphs,
asked as written (Traditional) and converted to Simplified Chinese (OpenCC t2s).

Rows:
  bm25-bigrams      BM25 over character bigrams of the raw text (no script normalisation)
  dense-e5          multilingual-e5-small with its prompts, question as asked
  langchain         LangChain's tutorial pipeline: RecursiveCharacterTextSplitter(1000, 200),
                    HuggingFaceEmbeddings on the same model, FAISS.from_documents, similarity_search
  ours-*            rag's Retriever: hybrid with each fusion, plus its single channels

Question vectors are encoded in batches once (cached under ~/.cache/rag-cjk/bench) and
reused by every row; latency is measured separately with real single-question calls
to ``Retriever.search`` (model in memory, encoding included).

    python bench/retrieval.py [--limit N] [--latency-sample 300]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
from opencc import OpenCC

from rag.eval.scoring import load_drcd, retrieval_metrics
from rag.models.embedding import get_embedder, resolve_model_path
from rag.pipeline import RAG
from rag.retrieval.retriever import Retriever
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
CACHE = Settings().models.cache_dir / "bench"
METRICS = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]


def cached(name: str, texts: list[str], encode: Callable[[list[str]], np.ndarray]) -> np.ndarray:
    key = hashlib.sha256(("\n".join(texts) + name).encode()).hexdigest()[:20]
    path = CACHE / f"{name}-{key}.npy"
    if path.exists():
        return np.load(path)
    t0 = time.perf_counter()
    vectors = encode(texts)
    print(f"  encoded {len(texts)} texts for {name} in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def drcd_corpus(paragraphs: dict[str, str]) -> Path:
    """One file per DRCD paragraph in a cached folder, so our index is reused between runs."""
    folder = CACHE / "drcd-corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for drcd_id, text in paragraphs.items():
        path = folder / f"{drcd_id}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    return folder


def langchain_rankings(paragraphs: dict[str, str], questions: dict[str, list[str]], model_path: str) -> dict[str, list[list[str]]]:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    docs = splitter.split_documents([Document(page_content=t, metadata={"pid": pid}) for pid, t in paragraphs.items()])
    embeddings = HuggingFaceEmbeddings(model_name=model_path, model_kwargs={"device": "cpu"})
    texts = [d.page_content for d in docs]
    doc_vectors = cached("langchain-docs", texts, lambda t: np.asarray(embeddings.embed_documents(t), np.float32))
    store = FAISS.from_embeddings(list(zip(texts, doc_vectors.tolist(), strict=True)), embeddings, metadatas=[d.metadata for d in docs])
    out = {}
    for variant, qs in questions.items():
        q_vectors = cached(f"langchain-q-{variant}", qs, lambda t: np.asarray(embeddings.embed_documents(t), np.float32))
        rankings = []
        for v in q_vectors:
            hits = store.similarity_search_by_vector(v.tolist(), k=30)
            rankings.append(list(dict.fromkeys(h.metadata["pid"] for h in hits))[:10])
        out[variant] = rankings
    return out


def bigram_tokens(text: str) -> list[str]:
    """The anchor's tokens: overlapping character pairs of the raw text, nothing else."""
    chars = [c for c in text.lower() if not c.isspace()]
    return [a + b for a, b in zip(chars, chars[1:], strict=False)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DRCD)
    ap.add_argument("--limit", type=int, default=0, help="Use only the first N questions (0 = all).")
    ap.add_argument("--latency-sample", type=int, default=300, help="Questions timed end to end per variant.")
    ap.add_argument("--skip-langchain", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "retrieval.json")
    args = ap.parse_args()

    dataset = load_drcd(args.data)
    questions = dataset.questions[: args.limit or None]
    golds = [set(q.gold_paragraphs) for q in questions]
    t2s = OpenCC("t2s")
    asked = {"traditional": [q.question for q in questions], "simplified": [t2s.convert(q.question) for q in questions]}

    corpus_dir = drcd_corpus(dataset.paragraphs)
    settings = Settings(corpus_dir=corpus_dir, index_dir=CACHE / "drcd-index")
    rag = RAG(settings, progress=True)
    if rag.status().state != "fresh":
        print("building our index of DRCD…", file=sys.stderr)
    base = rag.ensure_index()
    embedder = get_embedder(settings)
    to_drcd = {pid: pid.split(".txt#")[0] for pid in base.paragraph_ids}

    rows: list[dict] = []

    def add(name: str, variant: str, rankings: list[list[str]], latencies: list[float] | None = None) -> None:
        row = {"system": name, "questions": variant, **retrieval_metrics(rankings, golds)}
        if latencies:
            row["latency_ms_p50"] = 1000 * float(np.percentile(latencies, 50))
            row["latency_ms_p95"] = 1000 * float(np.percentile(latencies, 95))
        rows.append(row)
        print(f"{name:<22} {variant:<12} " + " ".join(f"{row[m]:.4f}" for m in METRICS), file=sys.stderr)

    # Anchor: BM25 on raw character bigrams.
    ids = list(dataset.paragraphs)
    anchor = bm25s.BM25()
    anchor.index([bigram_tokens(dataset.paragraphs[i]) for i in ids], show_progress=False)
    for variant, qs in asked.items():
        rankings = []
        for q in qs:
            tokens = [t for t in bigram_tokens(q) if t in anchor.vocab_dict]
            if not tokens:
                rankings.append([])
                continue
            found, _ = anchor.retrieve([tokens], k=10, show_progress=False, n_threads=1)
            rankings.append([ids[i] for i in found[0]])
        add("bm25-bigrams", variant, rankings)

    # Question vectors: as asked, and converted to the corpus's script (what ours does).
    # One question at a time, exactly as `rag ask` encodes it.
    def one_by_one(texts: list[str]) -> np.ndarray:
        return np.stack([embedder.encode_queries([t])[0] for t in texts])

    vectors = {v: cached(f"ours-q-{v}", qs, one_by_one) for v, qs in asked.items()}
    converted = {v: [base.dense_query_text(q) for q in qs] for v, qs in asked.items()}
    vectors_conv = {v: cached(f"ours-q-{v}-conv", qs, one_by_one) for v, qs in converted.items()}

    for variant in asked:
        rankings = [[to_drcd[p.paragraph_id] for p in base.search("", 10, "dense", query_vector=v)] for v in vectors[variant]]
        add("dense-e5", variant, rankings)

    if not args.skip_langchain:
        for variant, rankings in langchain_rankings(dataset.paragraphs, asked, resolve_model_path(settings)).items():
            add("langchain", variant, rankings)

    variants = [
        ("ours-hybrid-rrf", "hybrid", "rrf"),
        ("ours-hybrid-minmax", "hybrid", "minmax"),
        ("ours-hybrid-zscore", "hybrid", "zscore"),
        ("ours-dense", "dense", "rrf"),
        ("ours-lexical", "lexical", "rrf"),
    ]
    for name, mode, fusion in variants:
        r = Retriever(base.stored, embedder, settings.changed(**{"retrieval_mode": mode, "fusion": fusion}))
        for variant, qs in asked.items():
            rankings = [
                [to_drcd[p.paragraph_id] for p in r.search(q, 10, query_vector=v)] for q, v in zip(qs, vectors_conv[variant], strict=True)
            ]
            latencies = []
            for q in qs[: args.latency_sample]:
                t0 = time.perf_counter()
                r.search(q, 10)
                latencies.append(time.perf_counter() - t0)
            add(name, variant, rankings, latencies)

    result = {
        "dataset": "DRCD dev v1.3",
        "paragraphs": len(dataset.paragraphs),
        "questions": len(questions),
        "embedding_model": settings.models.embedding_model,
        "settings": {
            "chunk_size": settings.corpus.chunk_size,
            "chunk_overlap": settings.corpus.chunk_overlap,
            "lexical_weight": settings.retrieval.lexical_weight,
            "candidates": settings.retrieval.candidates,
        },
        "rows": [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()} for row in rows],
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    header = f"| system | questions | {' | '.join(METRICS)} | p50 ms | p95 ms |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for row in result["rows"]:
        lat = f"{row.get('latency_ms_p50', float('nan')):.1f} | {row.get('latency_ms_p95', float('nan')):.1f}"
        print(f"| {row['system']} | {row['questions']} | " + " | ".join(f"{row[m]:.4f}" for m in METRICS) + f" | {lat} |")


if __name__ == "__main__":
    main()
