"""Bad questions and bad corpus files: each gets a clear message, nothing crashes,
and nothing already indexed is lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.corpus.files import load_corpus
from rag.errors import RagError
from rag.pipeline import RAG
from tests.conftest import KEY_QUESTION, SEED_DOC, SEEDS, make_settings

TAIWAN = "蒙古國每年可以獲得十億美元的過境費收入，這是政府的重要財源。\n\n第二段：管道途經蒙古國東部。\n"
MAINLAND = "蒙古国每年可以获得十亿美元的过境费收入，这是政府的重要财源。\n\n第二段：管道途经蒙古国东部。\n"


def test_big5_and_gb18030_files_are_decoded_and_noted(tmp_path):
    (tmp_path / "tw.txt").write_bytes(TAIWAN.encode("big5"))
    (tmp_path / "cn.txt").write_bytes(MAINLAND.encode("gb18030"))
    corpus = load_corpus(tmp_path)
    texts = {d.doc_id: d.text for d in corpus.documents}
    assert texts == {"tw.txt": TAIWAN, "cn.txt": MAINLAND}
    assert any("tw.txt" in n and "big5" in n.lower() or "cp950" in n for n in corpus.notes)
    assert any("cn.txt" in n and "gb" in n.lower() for n in corpus.notes)
    assert not corpus.problems


def test_binary_empty_and_unknown_bytes_are_reported_by_name(tmp_path):
    (tmp_path / "good.txt").write_text("一段正常的文字。", encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "empty.md").write_bytes(b"")
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["good.txt"]
    joined = "\n".join(corpus.problems)
    assert "image.txt: skipped" in joined and "empty.md: skipped" in joined


def test_symlink_out_of_the_corpus_is_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("機密文件，不該被索引。", encoding="utf-8")
    corpus_dir = tmp_path / "corpus"
    (corpus_dir / "sub").mkdir(parents=True)
    (corpus_dir / "real.txt").write_text("正常文件。", encoding="utf-8")
    (corpus_dir / "inside-link.txt").symlink_to(corpus_dir / "real.txt")
    (corpus_dir / "leak.txt").symlink_to(outside)
    (corpus_dir / "sub" / "dir-link").symlink_to(tmp_path, target_is_directory=True)
    corpus = load_corpus(corpus_dir)
    assert sorted(d.doc_id for d in corpus.documents) == ["inside-link.txt", "real.txt"]
    assert any("leak.txt" in p and "outside" in p for p in corpus.problems)
    assert all("機密" not in p.text for p in corpus.paragraphs)


def test_huge_file_is_skipped_without_being_read(tmp_path, monkeypatch):
    (tmp_path / "small.txt").write_text("一段正常的文字。", encoding="utf-8")
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as f:
        f.truncate(300 * 2**20)  # 300 MB, sparse: costs no disk
    read = Path.read_bytes

    def guarded(self: Path) -> bytes:
        assert self.name != "huge.txt", "the huge file was read whole"
        return read(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    corpus = load_corpus(tmp_path)
    assert [d.doc_id for d in corpus.documents] == ["small.txt"]
    assert any("huge.txt" in p and "300 MB" in p and "RAG_MAX_FILE_MB" in p for p in corpus.problems)


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("\x00\x01\x02\x1b", "empty"),
        ("問" * 100_000, "100,000 characters"),
        (b"\xff\xfe binary".decode("latin-1") * 30_000, "characters long"),
        (12345, "must be text"),
    ],
)
def test_bad_questions_get_a_clear_message(seed_rag, question, message):
    with pytest.raises(RagError, match=message):
        seed_rag.ask(question)


@pytest.mark.slow
@pytest.mark.parametrize("k", [0, -1, 101, 2.5, True])
def test_k_out_of_range(seed_rag, k):
    with pytest.raises(RagError, match="k must be a whole number"):
        seed_rag.retrieve(KEY_QUESTION, k)


@pytest.mark.slow
def test_unknown_model_name_lists_the_known_ones(seed_rag):
    with pytest.raises(RagError, match=r"Unknown answer model 'gpt-9'.*extractive.*local.*openai"):
        seed_rag.ask(KEY_QUESTION, model="gpt-9")


@pytest.mark.slow
def test_mixed_script_question_still_finds_the_paragraph(seed_rag):
    passages = seed_rag.retrieve("Power of Siberia 2 管道每年输送多少天然氣?", 3)
    assert passages[0].paragraph_id == f"{SEED_DOC}#p8"


@pytest.mark.slow
def test_bad_files_added_later_lose_nothing_already_indexed(tmp_path):
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus_dir)
    rag = RAG(make_settings(tmp_path, corpus_dir))
    before = rag.ask(KEY_QUESTION)
    (corpus_dir / "binary.txt").write_bytes(bytes(range(256)) * 10)
    (corpus_dir / "empty.txt").write_bytes(b"")
    (corpus_dir / "leak.txt").symlink_to("/etc/hostname")
    report = rag.build()
    assert report.documents == 1 and len(report.problems) == 3
    after = rag.ask(KEY_QUESTION)
    assert after.text == before.text and "500億立方公尺" in after.text
