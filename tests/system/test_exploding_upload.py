"""A small upload that unpacks into millions of paragraphs, sent to a running server: it is
refused with its reason at once, the server's memory stays flat, and a small document
uploaded after it is searchable within seconds (before: 2.2 -> 8 GB, nine minutes "reading",
every later upload queued behind it)."""

from __future__ import annotations

import resource
import shutil
import time

import pytest

from rag.pipeline import RAG
from tests.conftest import SEEDS, make_settings
from tests.documents import exploding_docx
from tests.ui.test_rest_api import serving, upload

pytestmark = pytest.mark.slow
FACT, QUESTION = "霧嵐島燈塔的光束射程為三十七海里，是群島中最遠的燈塔。", "霧嵐島燈塔的光束射程是多少？"


def test_an_exploding_docx_is_refused_at_once_and_holds_up_no_later_upload(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    rag = RAG(make_settings(tmp_path, corpus))
    rag.ensure_index()
    bomb = exploding_docx(tmp_path / "report.docx", unpacked_mb=400).read_bytes()
    assert len(bomb) < 8 * 2**20  # a few MB that unpack to 400 MB of real paragraphs
    with serving(rag) as api:
        peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        sent = time.monotonic()
        refused = upload(api, ("report.docx", bomb), wait=True)
        listed = refused.json()["documents"][0]
        assert listed["state"] == "skipped" and "RAG_MAX_PART_MB" in listed["reason"], refused.text
        upload(api, ("lighthouse.md", FACT.encode()), wait=False)
        found = False
        while time.monotonic() - sent < 60 and not found:
            body = api.post("/api/ask", json={"question": QUESTION}).json()
            found = "三十七海里" in body.get("answer", "")
            time.sleep(0.5)
        searchable_s = time.monotonic() - sent
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before
    print(
        f"exploding docx: {len(bomb) / 2**20:.1f} MB file; small upload searchable {searchable_s:.1f} s after; peak +{grown / 2**20:.0f} MB"
    )
    assert found, f"the small upload was not searchable within {searchable_s:.0f} s"
    assert grown < 600 * 2**20, f"peak memory grew by {grown / 2**20:.0f} MB"
