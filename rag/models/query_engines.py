"""Single questions through OpenVINO or ONNX Runtime: the same fp32 weights as the
sentence-transformers model, without PyTorch's per-call overhead, which is most of the
time for a 20-token text (bench/query_speed.py). OpenVINO computes in bf16 where the CPU
does so natively (its own default there), if its vectors pass the same check as fp32's,
and runs the usual question lengths with fixed shapes (STATIC_LENGTHS).

The transformer is exported once (torch.onnx's TorchScript exporter) into the cache folder,
named by a hash of the model's weights; both runtimes read that file. It takes token
vectors, not token ids: the word-embedding table (250k x 384, four fifths of e5-small's
weights) is looked up here in the torch model's own memory, so a compiled shape holds only
the transformer. The model's mean pooling and normalisation are done here too. The vectors
are checked against the torch model's on a few probe questions when loaded: below cosine
0.999 the engine is not used (the index was built by the torch model), nor when it fails
to load.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("rag")
MIN_COSINE = 0.999
# Token counts (with the "query: " prefix) given fixed-shape kernels, a question padded to
# the next one: OpenVINO's CPU kernels for a fixed shape ran 20-25% faster than its dynamic
# ones on DRCD questions (tokens p50 22, p95 35), and each shape costs ~180 MB, so only the
# common lengths get one; longer questions and batches take the dynamic model.
STATIC_LENGTHS = (24, 32, 48)
# Questions the engine is checked on when loaded, one at a time (each fixed length) and as a batch (the dynamic model).
PROBES = [
    "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
    "蒙古国的第三邻国政策是什么？",
    "What is Mongolia's Third Neighbor Policy?",
    "What did the agreement between Mongolia, Russia and China change about the pipeline's route and yearly capacity?",
    "蒙古國在中俄兩國之間如何平衡其外交政策，並透過第三鄰國政策與美國、日本、歐盟等國家發展關係，以確保自身的獨立與安全？",
]


def _weights_digest(model_path: Path) -> str:
    h = hashlib.sha256(str(model_path).encode())
    for path in sorted(model_path.rglob("*.safetensors")) or sorted(model_path.rglob("*.bin")):
        h.update(path.name.encode())
        h.update(str(path.stat().st_size).encode())
        with path.open("rb") as f:
            h.update(f.read(1 << 20))  # the first MiB and the size tell models apart; reading 470 MB would not
    return h.hexdigest()[:16]


def export(model: Any, model_path: Path, cache_dir: Path) -> Path:
    """The ONNX file of ``model``'s transformer (a SentenceTransformer) from token vectors
    (``inputs_embeds``) to hidden states, exported if missing."""
    target = cache_dir / "onnx-queries" / _weights_digest(model_path) / "transformer.onnx"
    if target.is_file():
        return target
    (target.parent / "model.onnx").unlink(missing_ok=True)  # an earlier export, from token ids: 470 MB nobody reads
    import torch

    class Encoder(torch.nn.Module):
        def __init__(self, bert: torch.nn.Module) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state

    target.parent.mkdir(parents=True, exist_ok=True)
    bert = model[0].auto_model.eval()
    sample = model.tokenizer(["query: 樣本", "query: sample text"], padding=True, return_tensors="pt")
    axes = {"inputs_embeds": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "hidden": {0: "batch", 1: "tokens"}}
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        with torch.no_grad():
            torch.onnx.export(
                Encoder(bert),
                (bert.get_input_embeddings()(sample["input_ids"]), sample["attention_mask"]),
                tmp,
                input_names=["inputs_embeds", "attention_mask"],
                output_names=["hidden"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


Runner = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (token vectors, attention mask) -> last hidden state


def onnxruntime_runner(onnx_path: Path, threads: int) -> Runner:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # No busy-waiting between calls: on 2 shared cores a spinning pool takes time from the
    # web server and the answer model.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    return lambda embeds, mask: session.run(None, {"inputs_embeds": embeds, "attention_mask": mask})[0]


def openvino_precisions() -> list[str]:
    """The inference precisions to try, fastest first: bf16 where the CPU computes it
    natively (AVX-512 BF16 or AMX; about a quarter faster here, cosine 0.99998 to fp32 on
    DRCD questions), then fp32."""
    import openvino as ov

    return ["bf16", "f32"] if "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES") else ["f32"]


def openvino_runner(onnx_path: Path, threads: int, precision: str = "f32", static_lengths: tuple[int, ...] = STATIC_LENGTHS) -> Runner:
    import openvino as ov

    core = ov.Core()
    config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY", "INFERENCE_PRECISION_HINT": precision}

    source = core.read_model(str(onnx_path))  # read once; each fixed shape reshapes a copy
    width = source.input("inputs_embeds").get_partial_shape()[2].get_length()

    def compiled(length: int | None) -> Any:
        if length is None:
            return core.compile_model(source, "CPU", config)
        model = source.clone()
        model.reshape({"inputs_embeds": [1, length, width], "attention_mask": [1, length]})
        return core.compile_model(model, "CPU", config)

    models = {None: compiled(None)} | {n: compiled(n) for n in sorted(static_lengths)}
    local = threading.local()  # an infer request serves one call at a time: one per thread and shape

    def run(embeds: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, n = mask.shape
        length = next((m for m in models if m is not None and m >= n), None) if batch == 1 else None
        requests = local.__dict__.setdefault("requests", {})
        if length not in requests:
            requests[length] = models[length].create_infer_request()
        if length is not None and length > n:  # padded positions are masked out: the first n rows do not change
            embeds = np.pad(embeds, ((0, 0), (0, length - n), (0, 0)))
            mask = np.pad(mask, ((0, 0), (0, length - n)))
        return np.asarray(requests[length].infer({"inputs_embeds": embeds, "attention_mask": mask})[0])[:, :n]

    return run


ENGINES = ("openvino", "onnx")


class ExportedQueryEncoder:
    """``encode(texts)`` with ``prompt`` prepended, through ``run``: L2-normalised float32 rows."""

    def __init__(self, model: Any, run: Runner, prompt: str, precision: str = "f32") -> None:
        self.precision = precision  # what the runtime computes in; the vectors are float32 either way
        self.tokenizer = model.tokenizer
        # A view of the torch model's table, not a copy.
        self.word_vectors = model[0].auto_model.get_input_embeddings().weight.detach().numpy()
        self.max_length = model.max_seq_length
        self.prompt = prompt
        self.run = run

    def encode(self, texts: list[str]) -> np.ndarray:
        prompted = [self.prompt + t for t in texts]
        enc = self.tokenizer(prompted, padding=True, truncation=True, max_length=self.max_length, return_tensors="np")
        mask = enc["attention_mask"].astype(np.int64)
        hidden = self.run(self.word_vectors[enc["input_ids"]], mask)
        weights = mask[..., None].astype(np.float32)
        mean = (hidden * weights).sum(1) / weights.sum(1)  # the model's mean pooling, then its Normalize
        return (mean / np.linalg.norm(mean, axis=1, keepdims=True)).astype(np.float32)


def _failed(engine: str, exc: Exception) -> None:
    log.warning(
        "Questions are encoded with torch: %s failed (%s: %s). Reinstall it (pip install -e .), "
        "or set RAG_QUERY_ENGINE=onnx or torch to skip it.",
        engine,
        type(exc).__name__,
        exc,
    )


def exported_query_encoder(
    engine: str, model: Any, model_path: Path, cache_dir: Path, prompt: str, threads: int
) -> ExportedQueryEncoder | None:
    """``engine`` ('openvino' or 'onnx') encoding ``model``'s questions, or None (with a
    warning) when it cannot be made or does not give the torch model's vectors. OpenVINO
    tries bf16 first where the CPU has it, and keeps fp32 if bf16 strays."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {sorted(ENGINES)}, got {engine!r}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    cosine = 0.0
    try:
        onnx_path = export(model, model_path, cache_dir)
        reference = model.encode([prompt + p for p in PROBES], normalize_embeddings=True, convert_to_numpy=True)
        precisions = openvino_precisions() if engine == "openvino" else ["f32"]
    except Exception as exc:  # an export failure only costs speed
        _failed(engine, exc)
        return None
    for i, precision in enumerate(precisions):
        try:
            run = openvino_runner(onnx_path, threads, precision) if engine == "openvino" else onnxruntime_runner(onnx_path, threads)
            encoder = ExportedQueryEncoder(model, run, prompt, precision)
            alone = np.vstack([encoder.encode([p]) for p in PROBES])
            cosine = float(np.min(np.sum(np.vstack([alone, encoder.encode(PROBES)]) * np.vstack([reference, reference]), axis=1)))
        except Exception as exc:  # a precision the runtime cannot compile: try the next one
            if i == len(precisions) - 1:
                _failed(engine, exc)
                return None
            continue
        if cosine >= MIN_COSINE:
            return encoder
    log.warning(
        "Questions are encoded with torch: %s vectors differ (cosine %.5f < %s); set RAG_QUERY_ENGINE=torch to skip the check.",
        engine,
        cosine,
        MIN_COSINE,
    )
    return None
