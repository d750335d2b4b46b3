"""Progressive indexing with the real model: a large update is searchable by words while
its vectors are computed, the complete build then replaces it, and a build killed halfway
goes on from the vectors it had computed."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import numpy as np
import pytest

from rag.eval.scoring import load_drcd
from rag.index.dense_stage import vector_cache
from rag.index.store import current_build, load_build
from rag.pipeline import RAG
from rag.serve.open_index import serve_index
from rag.ui.web import launch
from tests.conftest import KEY_QUESTION, ROOT, SEED_DOC, SEEDS, make_settings

pytestmark = pytest.mark.slow
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
FACT = "紅杉七號觀測站位於阿爾泰山北麓，建於二〇三一年。"


def wiki_document(n: int) -> str:
    """A long document: the fact, then ``n`` real Wikipedia paragraphs."""
    paragraphs = list(load_drcd(DRCD).paragraphs.values())[:n]
    return "\n\n".join([FACT, *paragraphs]) + "\n"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def all_vectors(folder) -> np.ndarray:
    stored = load_build(folder)
    return stored.vectors.reconstruct_n(0, stored.vectors.ntotal)


@contextmanager
def held_at_slice(rag: RAG, n: int) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The background indexer's encoder, held when it starts its ``n``-th slice (the ones
    before done and kept) until ``release`` is set; yields (inside, release)."""
    encode = rag.embedder.encode_passages
    slices, inside, release = [], threading.Event(), threading.Event()

    def held_encode(texts, progress=False):
        if threading.current_thread().name == "rag-indexer":
            slices.append(len(texts))
            if len(slices) == n:
                inside.set()
                assert release.wait(120)
        return encode(texts, progress=progress)

    rag.embedder.encode_passages = held_encode  # type: ignore[method-assign]
    try:
        yield inside, release
    finally:
        release.set()
        rag.embedder.encode_passages = encode  # type: ignore[method-assign]


def test_a_large_update_answers_by_words_first_then_by_meaning(tmp_path, corpus, caplog):
    caplog.set_level(logging.INFO, logger="rag")
    rag = RAG(make_settings(tmp_path, corpus, progressive_above=0, embed_slice=4))
    rag.ensure_index()
    with held_at_slice(rag, 2) as (inside, release):
        (corpus / "station.txt").write_text(wiki_document(12), encoding="utf-8")
        rag.indexer.request()
        assert inside.wait(120), "the update never reached its second slice of vectors"
        state = rag.indexer.state
        assert state.running and state.searchable and state.describe().startswith("lexical ready · dense")
        assert rag.status().state == "partial"
        done, total = rag.manifest["dense"]["done"], rag.manifest["dense"]["total"]
        assert 0 < done < total  # the seed's vectors were kept; the new document's are pending

        hit = rag.retrieve("紅杉七號觀測站位於哪裡？", k=3)[0]
        assert hit.doc_id == "station.txt" and hit.found_by == ["lexical"] and hit.dense_score is None  # no cosine made up
        assert not [p for p in rag.retrieve("紅杉七號觀測站位於哪裡？", k=10, mode="dense") if p.doc_id == "station.txt"]
        seed_hit = rag.retrieve(KEY_QUESTION, k=3)[0]
        assert seed_hit.doc_id == SEED_DOC and "dense" in seed_hit.found_by  # old documents keep both channels
        assert len(vector_cache(rag.settings, rag.embedder).load()) == 4  # the finished slice is on disk

        demo = launch(rag, host="127.0.0.1", port=0, block=False)  # a server started now answers from it too
        try:
            with httpx.Client(base_url=demo.local_url, timeout=120, trust_env=False) as client:
                health = client.get("/api/health").json()
                assert health["status"] == "ok" and health["index"]["search"] == "lexical-first"
                assert health["index"]["dense"]["done"] == done + 4 and 0 < health["index"]["dense"]["percent"] < 100  # one slice since
                assert health["index"]["indexing"]["text"].startswith("lexical ready · dense")
                answer = client.post("/api/ask", json={"question": "紅杉七號觀測站位於哪裡？"}).json()
                assert "阿爾泰山" in answer["answer"] and answer["citations"][0]["doc_id"] == "station.txt"
        finally:
            demo.close()
        # A file added now stops this build after its slice, and the next build starts at
        # once from the vectors kept, instead of waiting for all of them.
        (corpus / "later.md").write_text("# 後記\n\n青嵐號科考船的母港是基隆。\n", encoding="utf-8")
        rag.indexer.request()
        release.set()
    assert rag.indexer.wait(300) and not rag.indexer.state.error
    assert "restarted for a newer change" in caplog.text and rag.indexer.state.builds == 2
    assert rag.retrieve("青嵐號科考船的母港在哪裡？", k=1)[0].doc_id == "later.md"
    assert rag.status().state == "fresh" and rag.manifest["dense"]["done"] == rag.manifest["dense"]["total"]
    assert "dense" in rag.retrieve("紅杉七號觀測站位於哪裡？", k=3)[0].found_by
    assert vector_cache(rag.settings, rag.embedder).load() == {}  # the build holds them now

    reference = RAG(make_settings(tmp_path / "reference", corpus, progressive_above=10**6))
    reference.build()
    np.testing.assert_allclose(
        all_vectors(current_build(rag.settings.index.index_dir)), all_vectors(current_build(reference.settings.index.index_dir)), atol=2e-5
    )


def test_a_server_with_no_index_opens_as_soon_as_words_are_searchable(tmp_path, corpus):
    (corpus / "station.txt").write_text(wiki_document(30), encoding="utf-8")
    rag = RAG(make_settings(tmp_path, corpus, progressive_above=0, embed_slice=8))
    with held_at_slice(rag, 1):
        serve_index(rag)  # returns while the first slice of vectors is held
        assert rag.retriever is not None and not rag.retriever.has_dense and rag.status().state == "partial"
        hit = rag.retrieve("紅杉七號觀測站位於哪裡？", k=3)[0]
        assert hit.doc_id == "station.txt" and hit.found_by == ["lexical"]
    assert rag.indexer.wait(600) and not rag.indexer.state.error
    assert rag.status().state == "fresh" and rag.ensure_index().has_dense
    assert rag.last_build is not None and rag.last_build.searchable_seconds is not None
    assert rag.last_build.searchable_seconds < rag.last_build.seconds


def test_a_server_never_answers_from_another_models_vectors(tmp_path, corpus):
    RAG(make_settings(tmp_path, corpus)).ensure_index()
    rag = RAG(make_settings(tmp_path, corpus, progressive_above=0, passage_prompt="passage: 文件："))
    with held_at_slice(rag, 1):
        serve_index(rag)  # the old build's vectors were made with another prompt: not loaded meanwhile
        assert rag.retriever is not None and rag.retriever.stored.manifest["passage_prompt"] == "passage: 文件："
        assert not rag.retriever.has_dense
    assert rag.indexer.wait(600) and not rag.indexer.state.error


def test_a_killed_build_goes_on_from_the_vectors_it_had_computed(tmp_path, corpus):
    (corpus / "station.txt").write_text(wiki_document(30), encoding="utf-8")
    settings = make_settings(tmp_path, corpus, progressive_above=0, embed_slice=4)
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(settings.index.index_dir), "RAG_EMBED_SLICE": "4"}
    env["RAG_PROGRESSIVE_ABOVE"] = "0"
    proc = subprocess.Popen([sys.executable, "-m", "rag.ui.cli", "index"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    rag = RAG(settings)
    cache = vector_cache(settings, rag.embedder)
    deadline = time.monotonic() + 300
    while len(cache.load()) < 12 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no handler, no clean-up: like a crash or a pulled plug
    _, err = proc.communicate(timeout=30)
    kept = cache.load()
    assert len(kept) >= 12, err.decode()[-2000:]
    assert rag.status().state == "partial"  # the lexical-first build it wrote is live, and says so

    encode, encoded = rag.embedder.encode_passages, []

    def counting_encode(texts, progress=False):
        encoded.extend(texts)
        return encode(texts, progress=progress)

    rag.embedder.encode_passages = counting_encode  # type: ignore[method-assign]
    try:
        report = rag.build()
    finally:
        rag.embedder.encode_passages = encode  # type: ignore[method-assign]
    assert report.reused_chunks == len(kept) and len(encoded) == report.chunks - len(kept)
    assert rag.status().state == "fresh" and cache.load() == {}
    assert rag.retrieve("紅杉七號觀測站位於哪裡？", k=1)[0].doc_id == "station.txt"
