"""Readers are entry points: a third-party package adds a format without touching ours."""

from __future__ import annotations

import sys
import textwrap

import pytest

from rag.corpus import readers
from rag.corpus.files import load_corpus

PLUGIN = """
from rag.corpus.extraction import Block, Extraction


class RotReader:
    name = "rot13"
    suffixes = (".rot",)
    version = "1"

    def read(self, data, options, progress=None):
        import codecs
        return Extraction.of([Block(text=codecs.decode(line, "rot13")) for line in data.decode().split("\\n\\n")])


class Broken:
    def __init__(self):
        raise RuntimeError("this plugin is broken")
"""


@pytest.fixture
def plugin_site(tmp_path, monkeypatch):
    """An installed distribution 'rot-reader' declaring two rag.readers entry points."""
    site = tmp_path / "site"
    (site / "rot_reader-0.1.dist-info").mkdir(parents=True)
    (site / "rot_reader.py").write_text(textwrap.dedent(PLUGIN))
    (site / "rot_reader-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: rot-reader\nVersion: 0.1\n")
    (site / "rot_reader-0.1.dist-info" / "entry_points.txt").write_text(
        "[rag.readers]\nrot = rot_reader:RotReader\nbroken = rot_reader:Broken\n"
    )
    monkeypatch.syspath_prepend(str(site))
    readers.readers_by_suffix.cache_clear()
    yield site
    sys.modules.pop("rot_reader", None)
    readers.readers_by_suffix.cache_clear()


def test_built_in_readers_cover_every_documented_format():
    found = {suffix: r.name for suffix, r in readers.readers_by_suffix().items()}
    expected = {".txt": "text", ".md": "text", ".pdf": "pdf", ".docx": "docx", ".pptx": "pptx", ".xlsx": "xlsx", ".csv": "csv"}
    expected |= {".html": "html", ".epub": "epub", ".png": "image", ".jpg": "image", ".tiff": "image"}
    assert {suffix: found[suffix] for suffix in expected} == expected


def test_a_third_party_reader_is_found_and_a_broken_one_is_skipped(plugin_site, tmp_path, caplog):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "secret.rot").write_text("Fvorevn cvcryvar.\n\nFrpbaq cnentencu.")
    corpus = load_corpus(corpus_dir)
    assert [p.text for p in corpus.paragraphs] == ["Siberia pipeline.", "Second paragraph."]
    assert corpus.documents[0].reader == "rot13/1"
    assert any("broken" in r.message and "failed to load" in r.message for r in caplog.records)
