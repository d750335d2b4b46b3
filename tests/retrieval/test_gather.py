"""Evidence gathered by question kind (rag.retrieval.gather) over the seed index."""

import pytest

from rag.errors import RagError
from rag.retrieval.gather import gather, named_document, spread, voted_document
from rag.types import Passage
from tests.conftest import SEED_DOC

pytestmark = pytest.mark.slow


def _number(p: Passage) -> int:
    return int(p.paragraph_id.rsplit("#p", 1)[1])


def test_an_overview_reads_the_documents_map_in_document_order(seed_rag) -> None:
    question = "這篇關於中俄蒙聯合演練的文章主要在講什麼？"
    found = seed_rag.retrieve(question)
    evidence = gather("overview", question, found, seed_rag.ensure_index())
    doc_map = seed_rag.ensure_index().stored.maps[SEED_DOC]
    best_two = [p.paragraph_id for p in found if p.doc_id == SEED_DOC][:2]
    wanted = {r.paragraph_id for r in [*doc_map.lead, *doc_map.summary]} | set(best_two)
    assert {p.paragraph_id for p in evidence} <= wanted
    assert set(best_two) <= {p.paragraph_id for p in evidence}  # the parts the question names come first
    assert any("map" in p.found_by for p in evidence)
    assert [_number(p) for p in evidence] == sorted(_number(p) for p in evidence)
    assert [p.rank for p in evidence] == list(range(1, len(evidence) + 1))


def test_an_overview_of_nothing_the_library_holds_keeps_the_search(seed_rag) -> None:
    question = "What is the article about the Tokyo Olympics mainly about?"
    found = seed_rag.retrieve(question)
    assert gather("overview", question, found, seed_rag.ensure_index(), floor=0.99) == found


def test_why_takes_the_best_passage_with_its_neighbours(seed_rag) -> None:
    question = "為什麼蒙古國要與中俄保持等距交往？"
    found = seed_rag.retrieve(question)
    evidence = gather("why", question, found, seed_rag.ensure_index())
    top = _number(found[0])
    numbers = [_number(p) for p in evidence]
    assert top in numbers
    assert {top - 1, top + 1} & set(numbers)
    assert numbers[: numbers.index(top) + 2] == sorted(numbers[: numbers.index(top) + 2])  # the block in document order
    assert len({p.paragraph_id for p in evidence}) == len(evidence)


def test_a_list_gathers_distinct_paragraphs_from_a_wider_search(seed_rag) -> None:
    question = "中俄蒙三國的合作有哪些項目？"
    evidence = gather("list", question, seed_rag.retrieve(question), seed_rag.ensure_index())
    assert 2 <= len(evidence) <= 6
    assert len({p.paragraph_id for p in evidence}) == len(evidence)


def test_the_document_a_question_names_by_its_title(seed_rag) -> None:
    retriever = seed_rag.ensure_index()
    title = retriever.stored.maps[SEED_DOC].title
    assert named_document(f"請總結「{title}」", retriever) == SEED_DOC
    assert named_document("請總結東京奧運的報導", retriever) is None


def test_votes_need_the_best_passage() -> None:
    def passage(doc: str, rank: int) -> Passage:
        return Passage(
            paragraph_id=f"{doc}#p{rank}", doc_id=doc, score=1.0, text="x", start=0, end=1, match_start=0, match_end=1, rank=rank
        )

    assert voted_document([passage("a", 1), passage("a", 2), passage("b", 3)], 10) == "a"
    assert voted_document([passage("b", 1), passage("a", 2), passage("a", 3), passage("a", 4)], 10) is None


def test_spread_skips_a_paragraph_that_repeats_one_taken() -> None:
    def passage(n: int, text: str) -> Passage:
        return Passage(paragraph_id=f"a#p{n}", doc_id="a", score=1.0, text=text, start=0, end=len(text), match_start=0, match_end=1)

    same = "蒙古國的首都是烏蘭巴托，烏蘭巴托是最大的城市。"
    picked = spread([passage(1, same), passage(2, same + "。"), passage(3, "蒙古國的經濟依賴礦業。")], 6, 0.6)
    assert [p.paragraph_id for p in picked] == ["a#p1", "a#p3"]


def test_a_title_outside_the_scope_names_nothing(seed_rag) -> None:
    from rag.types import Scope

    retriever = seed_rag.ensure_index()
    title = retriever.stored.maps[SEED_DOC].title
    assert named_document(f"請總結「{title}」", retriever, Scope(documents=(SEED_DOC,))) == SEED_DOC
    with pytest.raises(RagError, match="No indexed document is in the scope"):  # as the search itself says
        named_document(f"請總結「{title}」", retriever, Scope(since="2999-01-01"))


def test_passages_from_another_build_are_kept_as_they_are(seed_rag) -> None:
    stranger = Passage(paragraph_id="gone.txt#p1", doc_id="gone.txt", score=1.0, text="別處。", start=0, end=3, match_start=0, match_end=3)
    retriever = seed_rag.ensure_index()
    assert gather("why", "為什麼？", [stranger], retriever) == [stranger]
    assert gather("overview", "這篇文章主要在講什麼？", [stranger], retriever) == [stranger]


def test_latin_titles_are_named_as_whole_words_only() -> None:
    from rag.retrieval.gather import _names

    assert _names("guam", "summarise the article on guam.")
    assert not _names("intro", "introduce the topic")
    assert not _names("ai", "explain it")
