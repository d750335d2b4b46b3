"""The document library: safe adds (names, types by content, sizes, counts, duplicates,
clashes, nothing half-written), removes, and the state of each document."""

from __future__ import annotations

import os

import pytest

from rag.errors import RagError
from rag.index.library import add_document, list_documents, remove_document, safe_name
from tests.conftest import make_settings

TEXT = "西伯利亞力量2號管道每年最多輸送500億立方公尺天然氣。".encode()


@pytest.fixture
def settings(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    return make_settings(tmp_path, corpus, max_documents=5, max_file_mb=0.01)


@pytest.mark.parametrize(
    "given,safe",
    [
        ("../../etc/報告.PDF", "報告.pdf"),
        ("/abs/path/notes.md", "notes.md"),
        ("..\\..\\win\\a.txt", "a.txt"),
        (".hidden.txt", "hidden.txt"),
        ("line\nbreak\x1b[31m.txt", "line break [31m.txt"),
        ("...", "document"),
        ("a" * 300 + ".docx", "a" * 115 + ".docx"),
        ("名稱 : 有*問號?.txt", "名稱 有 問號.txt"),
        ("invoice\u202efdp.exe", "invoice fdp.exe"),
        ("zero\u200bwidth.md", "zero width.md"),
    ],
)
def test_names_are_made_safe(given, safe):
    assert safe_name(given) == safe


def test_an_added_document_lands_under_its_safe_name_and_is_pending(settings):
    assert add_document(settings, "../報告.TXT", TEXT) == "報告.txt"
    assert (settings.corpus.corpus_dir / "報告.txt").read_bytes() == TEXT
    [info] = list_documents(settings, None)
    assert (info.doc_id, info.type, info.state, info.bytes) == ("報告.txt", "text", "pending", len(TEXT))
    assert not [p for p in settings.corpus.corpus_dir.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_same_content_twice_is_refused_and_a_name_clash_is_renamed(settings):
    add_document(settings, "a.txt", TEXT)
    with pytest.raises(RagError, match="already in the corpus as a.txt") as caught:
        add_document(settings, "copy.txt", TEXT)
    assert caught.value.status == 409
    assert add_document(settings, "a.txt", "另一份文件。".encode()) == "a (2).txt"
    assert (settings.corpus.corpus_dir / "a.txt").read_bytes() == TEXT  # never overwritten


@pytest.mark.parametrize(
    "name,data,status,words",
    [
        ("virus.exe", b"MZ\x90\x00", 415, "not a format the corpus reads"),
        ("fake.pdf", b"<html>not a pdf</html>", 415, "not a PDF file"),
        ("fake.docx", b"plain text", 415, "not a DOCX file"),
        ("blob.txt", b"\x00\x01\x02binary", 415, "looks binary"),
        ("empty.txt", b"", 400, "empty"),
        ("big.txt", b"x" * 20_000, 413, "over the 0 MB limit"),
    ],
)
def test_bad_adds_get_a_status_and_a_reason_and_leave_nothing(settings, name, data, status, words):
    with pytest.raises(RagError, match=words) as caught:
        add_document(settings, name, data)
    assert caught.value.status == status and caught.value.fix
    assert os.listdir(settings.corpus.corpus_dir) == []


def test_the_document_count_limit_is_kept(settings):
    for i in range(5):
        add_document(settings, f"d{i}.txt", f"第{i}份文件。".encode())
    with pytest.raises(RagError, match="already holds 5 documents") as caught:
        add_document(settings, "one-more.txt", "再一份。".encode())
    assert caught.value.status == 413


def test_remove_deletes_only_documents_inside_the_folder(settings, tmp_path):
    add_document(settings, "a.txt", TEXT)
    (tmp_path / "outside.txt").write_text("外面的檔案")
    for bad in ("../outside.txt", "missing.txt", ".", "/etc/passwd"):
        with pytest.raises(RagError, match="No document") as caught:
            remove_document(settings, bad)
        assert caught.value.status == 404
    assert (tmp_path / "outside.txt").exists()
    remove_document(settings, "a.txt")
    assert list_documents(settings, None) == []


def test_skipped_files_are_listed_with_their_reason_once_read(settings):
    from rag.corpus.files import corpus_of

    (settings.corpus.corpus_dir / "broken.pdf").write_bytes(b"%PDF-1.7 garbage")
    [info] = list_documents(settings, None)
    assert info.state == "pending"  # a listing does not parse new files; a build (or a read) does
    corpus_of(settings)
    [info] = list_documents(settings, None)
    assert info.state == "skipped" and "damaged or truncated PDF" in info.reason
