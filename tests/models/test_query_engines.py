"""Questions encoded by OpenVINO (the default engine) or ONNX Runtime give the torch
model's vectors, so an index built by torch needs no rebuild, and retrieval finds the same
paragraphs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.models.embedding import Embedder, resolve_model_path
from rag.models.query_engines import MIN_COSINE, exported_query_encoder
from rag.settings import Settings
from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def seed_questions() -> list[str]:
    with (ROOT / "questions" / "seed.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line)["question"] for line in f]


def test_the_default_engine_gives_the_torch_vectors(seed_rag):
    embedder = seed_rag.embedder
    questions = seed_questions()
    embedder.encode_queries(questions[:1])  # the engine is made on the first single question
    assert embedder.query_engine == "openvino"
    exported = np.vstack([embedder.encode_queries([q]) for q in questions])  # one at a time: the exported path
    torch = embedder._encode(questions, embedder.query_prompt, False)
    assert float(np.min(np.sum(exported * torch, axis=1))) >= MIN_COSINE


@pytest.mark.parametrize("engine", ["onnx", "openvino"])
def test_both_runtimes_read_the_same_export(seed_rag, engine):
    embedder = seed_rag.embedder
    path = Path(resolve_model_path(seed_rag.settings))
    encoder = exported_query_encoder(engine, embedder.model, path, seed_rag.settings.models.cache_dir, "query: ", 1)
    assert encoder is not None
    questions = seed_questions()
    vectors = encoder.encode(questions)  # a batch too: padding must not change the pooling
    torch = embedder._encode(questions, "query: ", False)
    assert float(np.min(np.sum(vectors * torch, axis=1))) >= MIN_COSINE


def test_retrieval_finds_the_same_paragraphs_with_either_engine(seed_rag):
    """The same first paragraph for every seed question; lower down, only near-ties may swap."""
    retriever = seed_rag.ensure_index()
    embedder = seed_rag.embedder
    for question in seed_questions():
        by_exported = retriever.search(question, 3)
        torch_vector = embedder._encode([retriever.dense_query_text(question)], embedder.query_prompt, False)[0]
        by_torch = retriever.search(question, 3, query_vector=torch_vector)
        assert by_exported[0].paragraph_id == by_torch[0].paragraph_id, question
        for a, b in zip(by_exported, by_torch, strict=True):
            assert a.paragraph_id == b.paragraph_id or abs(a.score - b.score) < 0.02, (question, a.score, b.score)


def test_an_engine_that_fails_or_differs_is_not_used(seed_rag, tmp_path, caplog, monkeypatch):
    from rag.models import query_engines

    embedder = seed_rag.embedder

    class NoTransformer:
        tokenizer = embedder.model.tokenizer
        max_seq_length = embedder.model.max_seq_length

        def __getitem__(self, i):
            raise RuntimeError("no transformer here")

    assert exported_query_encoder("onnx", NoTransformer(), tmp_path / "other-model", tmp_path / "cache", "query: ", 1) is None
    assert "onnx failed" in caplog.text

    real = query_engines.ExportedQueryEncoder.encode
    monkeypatch.setattr(query_engines.ExportedQueryEncoder, "encode", lambda self, texts: real(self, texts)[::-1])  # wrong rows
    path = Path(resolve_model_path(seed_rag.settings))
    assert exported_query_encoder("openvino", embedder.model, path, seed_rag.settings.models.cache_dir, "query: ", 1) is None
    assert "vectors differ" in caplog.text
    with pytest.raises(ValueError):
        exported_query_encoder("tensorflow", embedder.model, path, seed_rag.settings.models.cache_dir, "query: ", 1)


def test_the_torch_engine_is_still_there(tmp_path):
    embedder = Embedder(Settings(index_dir=tmp_path, query_engine="torch"))
    assert embedder.query_engine == "torch" and embedder._single is None
    vector = embedder.encode_queries(["蒙古國的首都是哪裡？"])
    assert vector.shape == (1, embedder.dimension) and abs(float(np.linalg.norm(vector)) - 1) < 1e-4


def test_openvino_keeps_fp32_when_bf16_strays(seed_rag, monkeypatch):
    """bf16 is tried first where the CPU has it; vectors that fail the check fall back to
    fp32, not to torch."""
    from rag.models import query_engines

    real = query_engines.openvino_runner
    tried = []

    def runner(onnx_path, threads, precision="f32"):
        tried.append(precision)
        run = real(onnx_path, threads, precision, static_lengths=())
        if precision != "bf16":
            return run
        return lambda embeds, mask: run(embeds, mask) + np.random.default_rng(0).normal(0, 1, (1, 1, 384)).astype(np.float32)  # strays

    monkeypatch.setattr(query_engines, "openvino_precisions", lambda: ["bf16", "f32"])
    monkeypatch.setattr(query_engines, "openvino_runner", runner)
    path = Path(resolve_model_path(seed_rag.settings))
    encoder = exported_query_encoder("openvino", seed_rag.embedder.model, path, seed_rag.settings.models.cache_dir, "query: ", 1)
    assert tried == ["bf16", "f32"]
    assert encoder is not None and encoder.precision == "f32"


def test_openvino_uses_bf16_where_the_cpu_has_it(seed_rag):
    from rag.models.query_engines import openvino_precisions

    path = Path(resolve_model_path(seed_rag.settings))
    encoder = exported_query_encoder("openvino", seed_rag.embedder.model, path, seed_rag.settings.models.cache_dir, "query: ", 1)
    assert encoder is not None and encoder.precision == openvino_precisions()[0]


def test_fixed_shapes_give_the_dynamic_models_vectors(seed_rag):
    """A question padded to a fixed length (masked) gets the vector it gets unpadded; one
    longer than every fixed length, and a batch, take the dynamic model."""
    from rag.models.query_engines import ExportedQueryEncoder, export, openvino_runner

    model = seed_rag.embedder.model
    path = export(model, Path(resolve_model_path(seed_rag.settings)), seed_rag.settings.models.cache_dir)
    fixed = ExportedQueryEncoder(model, openvino_runner(path, 1, "f32", static_lengths=(16, 24)), "query: ")
    dynamic = ExportedQueryEncoder(model, openvino_runner(path, 1, "f32", static_lengths=()), "query: ")
    questions = [
        "蒙古國的首都是哪裡？",
        "西伯利亞力量2號管道每年最多可輸送多少天然氣？",
        "What share of Mongolia's exports goes to China, and what did the 2023 agreement change?",
    ]
    lengths = [len(model.tokenizer("query: " + q)["input_ids"]) for q in questions]
    assert lengths[0] < 16 < lengths[1] <= 24 < lengths[2]  # padded to 16, padded to 24, dynamic
    for question in questions:
        assert float(fixed.encode([question])[0] @ dynamic.encode([question])[0]) > 0.99999, question
    batch = fixed.encode(questions)
    assert float(np.min(np.sum(batch * dynamic.encode(questions), axis=1))) > 0.99999
