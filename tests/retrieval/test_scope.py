"""Questions limited to documents or dates: both channels filter before ranking, so the k
passages all come from the scope even when a better match lies outside it."""

from __future__ import annotations

import shutil

import pytest

from rag.errors import RagError
from rag.types import Scope
from tests.conftest import KEY_ANSWER, KEY_QUESTION, SEED_DOC, SEEDS, make_settings

pytestmark = pytest.mark.slow
METRO = "date 2024-03-01\n\n# 臺北捷運\n\n臺北捷運文湖線全長25.1公里，每日運量約22萬人次。\n\n板南線連接南港展覽館與頂埔。\n"
UNDATED = "# 筆記\n\n天然氣管道的年輸送量以立方公尺計算。\n"


@pytest.fixture(scope="module")
def rag(tmp_path_factory):
    from rag.pipeline import RAG

    tmp = tmp_path_factory.mktemp("scope")
    corpus = tmp / "corpus"
    shutil.copytree(SEEDS, corpus)
    (corpus / "metro.md").write_text(METRO, encoding="utf-8")
    (corpus / "notes").mkdir()
    (corpus / "notes" / "gas.md").write_text(UNDATED, encoding="utf-8")
    rag = RAG(make_settings(tmp, corpus))
    rag.ensure_index()
    return rag


@pytest.mark.parametrize("exact_limit", [4096, 0], ids=["scored-exactly", "faiss-selector"])
@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_every_passage_comes_from_the_chosen_document(rag, monkeypatch, exact_limit, mode):
    monkeypatch.setattr("rag.retrieval.retriever.EXACT_SCOPE_CHUNKS", exact_limit)
    everything = rag.retrieve(KEY_QUESTION, k=5, mode=mode)
    assert everything[0].doc_id == SEED_DOC
    # BM25 finds nothing of the pipeline question in the metro file (no shared word), so
    # that mode is asked with one word of it added.
    question = KEY_QUESTION + ("運量多少？" if mode == "lexical" else "")
    scoped = rag.retrieve(question, k=5, mode=mode, scope=Scope(documents=("metro.md",)))
    assert scoped and {p.doc_id for p in scoped} == {"metro.md"}
    assert [p.rank for p in scoped] == list(range(1, len(scoped) + 1))
    by_name = rag.retrieve(question, k=5, mode=mode, scope=Scope(documents=("gas.md",)))
    assert {p.doc_id for p in by_name} == {"notes/gas.md"}  # a unique file name is enough


def test_dates_come_from_the_date_line_or_else_the_file_time(rag):
    in_2025 = rag.retrieve("管道每年輸送多少天然氣？", k=10, scope=Scope(since="2025-01-01", until="2025-12-31"))
    assert {p.doc_id for p in in_2025} == {SEED_DOC}
    before = rag.retrieve("管道每年輸送多少天然氣？", k=10, scope=Scope(until="2024-12-31"))
    assert {p.doc_id for p in before} == {"metro.md"}
    recent = rag.retrieve("管道每年輸送多少天然氣？", k=10, scope=Scope(since="2026-01-01"))
    assert {p.doc_id for p in recent} == {"notes/gas.md"}  # no date of its own: the file's time (today)


def test_an_empty_or_wrong_scope_says_so(rag):
    with pytest.raises(RagError, match="No document 'nothing.md'") as raised:
        rag.retrieve(KEY_QUESTION, scope=Scope(documents=("nothing.md",)))
    assert raised.value.status == 404 and SEED_DOC in raised.value.fix
    with pytest.raises(RagError, match="No indexed document is in the scope") as raised:
        rag.ask(KEY_QUESTION, scope=Scope(since="2031-01-01"))
    assert raised.value.status == 404
    with pytest.raises(RagError, match="range is empty"):
        rag.ask(KEY_QUESTION, scope=Scope(since="2025-02-01", until="2025-01-01"))


def test_the_package_functions_take_scope_and_history(rag, monkeypatch):
    import rag as package

    monkeypatch.setattr(package, "_default", rag)
    assert {p.doc_id for p in package.retrieve(KEY_QUESTION, k=3, documents=["metro.md"])} == {"metro.md"}
    answer = package.ask("這大約佔其GDP的多少？", history=[{"role": "user", "content": "蒙古國每年可以獲得多少能源過境費收入？"}])
    assert answer.standalone_question and "2-3%" in answer.text
    assert KEY_ANSWER in package.ask(KEY_QUESTION, since="2025-09-01").text
    with pytest.raises(RagError, match="Bad scope"):
        package.ask(KEY_QUESTION, since="next tuesday")


def test_a_question_with_a_clear_match_of_its_own_ignores_the_previous_one(rag):
    """In a conversation, a question that is no follow-up but has a clear first passage keeps
    its own ranking, even with a heavy weight on the previous question's; with that test off,
    the previous question's ranking moves it."""
    from rag.retrieval.fusion import clear_by
    from rag.types import Turn

    history = [Turn(role="user", content="蒙古國的第三鄰國政策是什麼？")]
    found = rag.retrieve(KEY_QUESTION, k=5)
    assert clear_by(found, rag.settings.retrieval.context_clear_margin)
    own = [p.paragraph_id for p in found]
    assert rag.make_standalone(KEY_QUESTION, history).rewritten is False
    settings = rag.settings
    try:
        rag.settings = settings.changed(**{"context_weight": 2.0})
        kept = [p.paragraph_id for p in rag.retrieve(KEY_QUESTION, k=5, history=history)]
        rag.settings = settings.changed(**{"context_weight": 2.0, "context_clear_margin": None})
        moved = [p.paragraph_id for p in rag.retrieve(KEY_QUESTION, k=5, history=history)]
    finally:
        rag.settings = settings
    assert kept == own and moved != own


def test_a_nameless_question_is_asked_about_with_its_scope_and_mode(rag, monkeypatch):
    """make_standalone asks whether a nameless question finds nothing clear with the
    question's own scope and mode, and not at all when the margin is off or another fusion
    is used (the margin was measured on z-scores)."""
    import rag.pipeline as pipeline
    from rag.types import Turn

    asked = []

    def finds_nothing_clear(retriever, margin, scope, mode, question):
        asked.append((margin, scope, mode, question))
        return True

    monkeypatch.setattr(pipeline, "finds_nothing_clear", finds_nothing_clear)
    history = [Turn(role="user", content="臺北捷運文湖線全長多少公里？")]
    question = "如果想從起點一路搭到終點總共要花上多少時間才會到？"
    scope = Scope(documents=["metro.md"])
    made = rag.make_standalone(question, history, scope=scope, mode="hybrid")
    assert asked == [(rag.settings.retrieval.context_clear_margin, scope, "hybrid", question)]
    assert made.rewritten and "捷運" in made.standalone
    settings = rag.settings
    try:
        for update in ({"context_clear_margin": None}, {"fusion": "rrf"}):
            rag.settings = settings.changed(**update)
            assert not rag.make_standalone(question, history, scope=scope).rewritten
    finally:
        rag.settings = settings
    assert len(asked) == 1
