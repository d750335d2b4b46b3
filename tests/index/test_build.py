from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import rag.index.store as store
from rag.errors import RagError
from rag.index.store import current_build, load_build
from rag.pipeline import RAG
from tests.conftest import KEY_QUESTION, SEED_DOC, SEEDS, make_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    return folder


def test_build_writes_plain_files_and_manifest(tmp_path, corpus):
    rag = RAG(make_settings(tmp_path, corpus))
    report = rag.build()
    folder = current_build(rag.settings.index.index_dir)
    assert folder is not None
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["bm25", "chunks.jsonl", "manifest.json", "maps.jsonl", "paragraphs.jsonl", "vectors.faiss"]
    assert all(p.suffix in {".npy", ".json"} for p in (folder / "bm25").iterdir())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["format_version"] == store.FORMAT_VERSION
    assert manifest["dimension"] == 384
    assert manifest["chunker"] == {"chunk_size": rag.settings.corpus.chunk_size, "chunk_overlap": rag.settings.corpus.chunk_overlap}
    assert manifest["counts"]["paragraphs"] == report.paragraphs == 14
    assert {"vectors.faiss", "paragraphs.jsonl", "chunks.jsonl", "maps.jsonl"} < set(manifest["files"])
    maps = [json.loads(line) for line in (folder / "maps.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["doc_id"] for m in maps] == [d["doc_id"] for d in manifest["documents"]]
    assert all(m["summary"] and m["method"] == rag.settings.index.summary_method for m in maps)
    assert rag.ensure_index().stored.maps.keys() == {m["doc_id"] for m in maps}
    assert any(name.startswith("bm25/") for name in manifest["files"])
    assert manifest["script"] == "zh-Hant"


def test_changed_corpus_is_detected_and_rebuilt(tmp_path, corpus):
    settings = make_settings(tmp_path, corpus)
    rag = RAG(settings)
    rag.build()
    assert rag.status().state == "fresh"
    (corpus / "extra.md").write_text("蒙古國的首都是烏蘭巴托，人口約一百七十萬。\n", encoding="utf-8")
    status = rag.status()
    assert status.state == "stale" and "corpus files changed" in status.reasons
    fresh = RAG(settings)
    hits = fresh.retrieve("蒙古國的首都是哪裡？", k=3)
    assert hits[0].paragraph_id == "extra.md#p1"
    assert fresh.status().state == "fresh"


def test_changed_settings_make_the_index_stale(tmp_path, corpus):
    RAG(make_settings(tmp_path, corpus)).build()
    other = RAG(make_settings(tmp_path, corpus, chunk_size=100, chunk_overlap=10))
    assert other.status().reasons == ["chunk settings changed"]


def test_stale_index_without_auto_rebuild_says_what_to_run(tmp_path, corpus):
    settings = make_settings(tmp_path, corpus, auto_rebuild=False)
    with pytest.raises(RagError, match=r"index is missing.*rag index"):
        RAG(settings).retrieve(KEY_QUESTION)


def test_interrupted_build_leaves_the_old_index_live(tmp_path, corpus, monkeypatch):
    rag = RAG(make_settings(tmp_path, corpus))
    rag.build()
    before = current_build(rag.settings.index.index_dir)
    (corpus / SEED_DOC).write_text("全新內容。\n", encoding="utf-8")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C while files were written

    monkeypatch.setattr(store, "_write_jsonl", crash)
    with pytest.raises(KeyboardInterrupt):
        rag.build()
    assert current_build(rag.settings.index.index_dir) == before
    assert sorted(p.name for p in rag.settings.index.index_dir.glob("build-*")) == [before.name]
    assert load_build(before).manifest["counts"]["paragraphs"] == 14


def test_killed_build_process_leaves_a_usable_index(tmp_path, corpus):
    for i in range(6):  # enough text that embedding takes several seconds
        shutil.copy(corpus / SEED_DOC, corpus / f"copy{i}.txt")
    # Vectors saved every 16 chunks: the kill comes once the first part is on disk, so
    # embedding is under way however fast this machine embeds.
    env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "index"), "RAG_EMBED_SLICE": "16"}
    cmd = [sys.executable, "-m", "rag.ui.cli", "index"]
    subprocess.run(cmd, env=env, check=True, capture_output=True, timeout=600)
    before = current_build(tmp_path / "index")
    # Every chunk of every copy changes, so the rebuild has them all to embed again (about 15 s):
    # with unchanged chunks' vectors reused, a one-line change could finish before the kill.
    for i in range(6):
        changed = (corpus / SEED_DOC).read_text(encoding="utf-8").replace("。", f"。（{i}）")
        (corpus / f"copy{i}.txt").write_text(changed, encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not list((tmp_path / "index" / "vector-cache").glob("*/part-*.npy")):
        assert proc.poll() is None, "the build finished before it could be stopped"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current_build(tmp_path / "index") == before
    load_build(before)  # still complete and verified
    done = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["rebuilt"] is True
    assert len(list((tmp_path / "index").glob("build-*"))) == 1  # the half-written build was cleaned up


def test_corrupted_index_file_is_detected(tmp_path, corpus):
    rag = RAG(make_settings(tmp_path, corpus))
    rag.build()
    folder = current_build(rag.settings.index.index_dir)
    with (folder / "chunks.jsonl").open("a") as f:
        f.write('{"paragraph_id": "forged"}\n')
    with pytest.raises(RagError, match=r"corrupted.*rag index --rebuild"):
        load_build(folder)
    # The pipeline repairs it by rebuilding when allowed.
    assert RAG(rag.settings).retrieve(KEY_QUESTION, k=1)[0].paragraph_id.endswith("#p8")


def test_changing_one_file_re_embeds_only_its_changed_chunks(tmp_path, corpus):
    """Vectors of unchanged chunks come from the previous build; results equal a full build."""
    (corpus / "other.txt").write_text("蒙古國位於中國與俄羅斯之間。\n\n烏蘭巴托是蒙古國的首都。\n", encoding="utf-8")
    rag = RAG(make_settings(tmp_path, corpus))
    first = rag.build()
    assert first.reused_chunks == 0
    encoded: list[str] = []
    real = rag.embedder.encode_passages

    def counting(texts, progress=False):
        encoded.extend(texts)
        return real(texts, progress=progress)

    rag.embedder.encode_passages = counting  # type: ignore[method-assign]
    try:
        (corpus / "other.txt").write_text("蒙古國位於中國與俄羅斯之間。\n\n烏蘭巴托是蒙古國的首都，人口約一百六十萬。\n", encoding="utf-8")
        second = rag.build()
    finally:
        del rag.embedder.encode_passages
    assert encoded == ["烏蘭巴托是蒙古國的首都，人口約一百六十萬。"]
    assert second.reused_chunks == second.chunks - 1
    incremental = rag.retrieve(KEY_QUESTION, k=5)
    full = RAG(make_settings(tmp_path / "full", corpus))
    assert [(p.paragraph_id, round(p.score, 4)) for p in incremental] == [
        (p.paragraph_id, round(p.score, 4)) for p in full.retrieve(KEY_QUESTION, k=5)
    ]
    assert rag.retrieve("蒙古的首都有多少人？", k=1)[0].paragraph_id == "other.txt#p2"


def test_a_build_written_before_maps_gets_them_when_loaded(tmp_path, seed_rag):
    folder = tmp_path / "old-build"
    shutil.copytree(seed_rag.ensure_index().stored.folder, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"]["maps.jsonl"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "maps.jsonl").unlink()
    stored = store.load_build(folder)
    assert stored.maps.keys() == seed_rag.ensure_index().stored.maps.keys()
    assert all(m.summary for m in stored.maps.values())
