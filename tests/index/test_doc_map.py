import pytest

from rag.index.doc_map import SUMMARY_METHODS, document_map, document_maps
from rag.types import Paragraph


def _paragraphs(texts: list[str], doc: str = "a.txt", heading: str = "") -> list[Paragraph]:
    out, at = [], 0
    for n, text in enumerate(texts, 1):
        out.append(Paragraph(paragraph_id=f"{doc}#p{n}", doc_id=doc, number=n, start=at, end=at + len(text), text=text, heading=heading))
        at += len(text) + 2
    return out


TEXTS = [
    "蒙古國位於中國與俄羅斯之間。蒙古國是內陸國家。",
    "蒙古國的首都是烏蘭巴托。烏蘭巴托是蒙古國最大的城市。烏蘭巴托是蒙古國最大的城市。",
    "蒙古國的外交採取第三鄰國政策，與美國、日本往來。今天天氣晴朗。",
    "蒙古國的經濟依賴礦業，煤和銅是主要出口。",
]


@pytest.mark.parametrize("method", SUMMARY_METHODS)
def test_summary_sentences_come_from_the_document_in_order_and_never_twice(method: str) -> None:
    paragraphs = _paragraphs(TEXTS)
    found = document_map("a.txt", "蒙古國", paragraphs, method)
    by_id = {p.paragraph_id: p for p in paragraphs}
    assert found.summary, "a document with sentences has a summary"
    for ref in [*found.summary, *found.lead, *found.key_sentences]:
        assert by_id[ref.paragraph_id].text[ref.start : ref.end] == ref.text
    texts = [r.text for r in found.summary]
    assert len(texts) == len(set(texts))  # the repeated sentence of paragraph 2 at most once
    places = [(int(r.paragraph_id.rsplit("#p", 1)[1]), r.start) for r in found.summary]
    assert places == sorted(places)
    assert len(found.summary) <= 5
    assert [r.text for r in found.lead] == ["蒙古國位於中國與俄羅斯之間。", "蒙古國是內陸國家。"]
    assert len(found.key_sentences) == len(TEXTS)  # one per paragraph
    assert found.method == method


def test_a_document_without_a_title_is_known_by_its_first_heading_or_name() -> None:
    assert document_map("notes/b.txt", "", _paragraphs(TEXTS, "notes/b.txt", heading="蒙古概況")).title == "蒙古概況"
    assert document_map("notes/b.txt", "", _paragraphs(TEXTS, "notes/b.txt")).title == "b"


def test_maps_of_every_document() -> None:
    maps = document_maps([*_paragraphs(TEXTS[:2], "a.txt"), *_paragraphs(TEXTS[2:], "b.txt")], {"a.txt": "甲"})
    assert set(maps) == {"a.txt", "b.txt"}
    assert maps["a.txt"].title == "甲"
    assert all(r.paragraph_id.startswith("b.txt#") for r in maps["b.txt"].summary)


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="textrank"):
        document_map("a.txt", "", _paragraphs(TEXTS), "lsa")
