"""Documents holding the same text are found at build time and named in the listing."""

from __future__ import annotations

import json
import shutil
from types import SimpleNamespace

import pytest

from rag.index.duplicates import same_text_as
from rag.types import Paragraph
from tests.conftest import SEEDS, make_settings, run_cli

ARTICLE = "西伯利亞力量2號管道途經蒙古國東部，俄羅斯每年最多可向中國輸送500億立方公尺天然氣，成為中俄之間最重要的能源動脈。"
OTHER = "淡水河是臺灣北部的主要河川，全長約159公里，流經臺北盆地後在淡水注入臺灣海峽，沿岸有許多古蹟與老街。"


def _doc(doc_id: str, *texts: str) -> list[Paragraph]:
    return [Paragraph(paragraph_id=f"{doc_id}#p{n}", doc_id=doc_id, number=n, start=0, end=len(t), text=t) for n, t in enumerate(texts, 1)]


def test_the_same_text_in_another_script_spacing_or_with_a_header_is_found_and_another_text_is_not():
    simplified = "西伯利亚力量2号管道途经蒙古国东部， 俄罗斯每年最多可向中国输送500亿立方公尺天然气， 成为中俄之间最重要的能源动脉。"
    with_header = ["中俄能源 第1頁", ARTICLE[:30], ARTICLE[30:]]
    paragraphs = [*_doc("a.txt", ARTICLE), *_doc("b.txt", simplified), *_doc("c.pdf", *with_header), *_doc("d.txt", OTHER)]
    assert same_text_as(paragraphs) == {"b.txt": "a.txt", "c.pdf": "a.txt"}
    assert same_text_as([*_doc("a.txt", ARTICLE), *_doc("d.txt", OTHER)]) == {}


@pytest.mark.slow
def test_rag_documents_says_same_text_as(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    seed = next(corpus.glob("*.txt"))
    shutil.copy(seed, corpus / "copy of the article.txt")
    library = SimpleNamespace(settings=make_settings(tmp_path, corpus))  # what run_cli reads of a RAG
    assert run_cli(library, "index").returncode == 0
    listed = run_cli(library, "documents", "--json")
    assert listed.returncode == 0, listed.stderr
    by_id = {d["doc_id"]: d for d in json.loads(listed.stdout)["documents"]}
    assert by_id["copy of the article.txt"]["same_text_as"] == seed.name and by_id[seed.name]["same_text_as"] == ""
    assert f"same text as {seed.name}" in run_cli(library, "documents").stdout


def test_the_documents_tab_says_same_text_as_escaped():
    from rag.index.library import DocumentInfo
    from rag.ui.documents_tab import table_html

    copy = DocumentInfo(doc_id="copy.txt", name="copy.txt", type="text", bytes=10, state="indexed", same_text_as="<b>a</b>.txt")
    alone = DocumentInfo(doc_id="b.txt", name="b.txt", type="text", bytes=10, state="indexed")
    page = table_html([copy, alone])
    assert page.count("same text as") == 1 and "&lt;b&gt;a&lt;/b&gt;.txt" in page and "<b>a</b>" not in page
