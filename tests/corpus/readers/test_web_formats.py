"""HTML (the article, not the site around it) and EPUB (chapters in spine order)."""

from __future__ import annotations

import zipfile

import pytest

from rag.corpus.extraction import paragraphs_of
from rag.corpus.readers import ReadOptions
from rag.corpus.readers.epub import EpubReader
from rag.corpus.readers.html import HtmlReader
from rag.errors import RagError
from tests.documents import article_html, epub_file, seed_blocks

OPTIONS = ReadOptions()


def test_html_gives_the_article_without_menu_or_footer():
    extraction = HtmlReader().read(article_html(site=True).encode("utf-8"), OPTIONS)
    texts = [b.text for b in extraction.blocks]
    body = [b for b in seed_blocks() if b.endswith("。") or len(b) > 30]
    assert set(body) <= set(texts)
    joined = "\n".join(texts)
    for chrome in ("首頁", "體育", "版權所有", "隱私權政策"):
        assert chrome not in joined
    headings = [b.text for b in extraction.blocks if b.kind == "heading"]
    assert "結語" in headings
    assert extraction.title == "中俄蒙邊防合作"


def test_html_tables_keep_their_header():
    page = article_html(site=True).replace(
        "</article>", "<table><tr><th>年份</th><th>營收</th></tr><tr><td>2024</td><td>10億</td></tr></table></article>"
    )
    assert "年份: 2024 · 營收: 10億" in [b.text for b in HtmlReader().read(page.encode(), OPTIONS).blocks]


def test_a_page_that_is_only_a_script_has_no_text():
    page = b"<!doctype html><html><head><script>document.write('hi')</script></head><body><script>var x = 1;</script></body></html>"
    assert HtmlReader().read(page, OPTIONS).blocks == []


def test_a_file_named_html_that_is_not_markup_is_refused():
    with pytest.raises(RagError, match="not an HTML page"):
        HtmlReader().read(b"\x00\x01binary", OPTIONS)


def test_html_entities_are_not_expanded():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><html><body><p>&b;&b;&b; '
    )
    bomb += "這是一段足夠長的正文，說明網頁的內容，讓擷取器把它當成文章。".encode() * 5 + b"</p></body></html>"
    text = "".join(b.text for b in HtmlReader().read(bomb, OPTIONS).blocks)
    assert "aaaaaaaaaa" * 3 not in text


def test_epub_chapters_come_in_spine_order(tmp_path):
    chapters = [
        ("第一章", ["西伯利亞力量2號管道每年最多輸送500億立方公尺天然氣。"]),
        ("第二章", ["蒙古每年可獲得10億美元過境費。", "第二段。"]),
    ]
    extraction = EpubReader().read(epub_file(tmp_path / "b.epub", chapters).read_bytes(), OPTIONS)
    paragraphs = paragraphs_of("b.epub", extraction)
    assert [(p.heading, p.text) for p in paragraphs] == [
        ("第一章", "西伯利亞力量2號管道每年最多輸送500億立方公尺天然氣。"),
        ("第二章", "蒙古每年可獲得10億美元過境費。"),
        ("第二章", "第二段。"),
    ]
    assert extraction.title == "測試之書" and extraction.date == "2024-05-01"
    assert {p.page for p in paragraphs} == {None}


def test_entities_in_an_epub_package_are_not_expanded(tmp_path):
    path = epub_file(tmp_path / "b.epub", [("第一章", ["正文。"])], title="TITLE_HERE")
    with zipfile.ZipFile(path) as z:
        members = {name: z.read(name) for name in z.namelist()}
    laughs = (
        b'<!DOCTYPE package [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    opf = members["OEBPS/content.opf"].replace(b'<?xml version="1.0"?>', b'<?xml version="1.0"?>' + laughs)
    members["OEBPS/content.opf"] = opf.replace(b"TITLE_HERE", b"&c;")
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    extraction = EpubReader().read(path.read_bytes(), OPTIONS)
    assert "lol" not in extraction.title and [b.text for b in extraction.blocks] == ["第一章", "正文。"]


def test_an_epub_without_its_package_file_is_refused(tmp_path):
    path = tmp_path / "broken.epub"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
    with pytest.raises(RagError, match="not a valid EPUB"):
        EpubReader().read(path.read_bytes(), OPTIONS)
