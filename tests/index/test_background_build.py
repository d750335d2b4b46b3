"""A real index update in the background: while it is embedding, questions are answered
at once from the last good build (never from the half-written one), and once it is done
the new document answers."""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from tests.conftest import KEY_ANSWER, KEY_QUESTION, SEEDS, make_settings

pytestmark = pytest.mark.slow
FACT = "# 觀測站\n\n紅杉七號觀測站位於阿爾泰山北麓，建於二〇三一年。\n"


def test_questions_are_answered_from_the_last_good_index_while_one_is_built(tmp_path, seed_rag):
    from rag.pipeline import RAG
    from rag.ui.library_view import add_files, documents_now

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp_path, corpus))
    rag.ensure_index()
    embedder = rag.embedder
    encode = embedder.encode_passages
    inside, release = threading.Event(), threading.Event()

    def held_encode(texts, progress=False):
        if threading.current_thread().name == "rag-indexer":  # the build; answers encode sentences too
            inside.set()
            assert release.wait(120)
        return encode(texts, progress=progress)

    embedder.encode_passages = held_encode  # type: ignore[method-assign]
    try:
        added, refused = add_files(rag, [("station.md", FACT.encode())])
        assert added == ["station.md"] and not refused
        assert inside.wait(60), "the background build never reached embedding"
        state = rag.indexer.state
        assert state.running and state.stage == "embedding"
        assert [d.state for d in documents_now(rag) if d.doc_id == "station.md"] == ["indexing"]
        started = time.monotonic()
        assert KEY_ANSWER in rag.ask(KEY_QUESTION).text
        during = rag.ask("紅杉七號觀測站位於哪裡？")
        assert time.monotonic() - started < 30  # not queued behind the build
        assert all(p.doc_id != "station.md" for p in during.passages)
        assert rag.manifest is not None and rag.manifest["counts"]["documents"] == 1
    finally:
        release.set()
        embedder.encode_passages = encode  # type: ignore[method-assign]
    assert rag.indexer.wait(120)
    assert rag.indexer.state.error == ""
    after = rag.ask("紅杉七號觀測站位於哪裡？")
    assert "阿爾泰山" in after.text and after.citations[0].doc_id == "station.md"
    assert [d.state for d in documents_now(rag)] == ["indexed", "indexed"]
