"""Web pages with trafilatura (Apache-2.0): the article, not the menus, navigation, ads
or footer around it, with its headings, lists and tables kept as structure."""

from __future__ import annotations

from lxml import etree

from rag.corpus.extraction import Block, Extraction, table_rows
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.errors import RagError

# Safe for hostile markup: no entity expansion, no DTDs, nothing fetched.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=True)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def article_blocks(main) -> list[Block]:
    """Blocks of trafilatura's XML: <head>, <p>, <list><item>, <quote>, <table><row><cell>."""
    blocks: list[Block] = []
    for element in main:
        tag = element.tag
        if tag == "head":
            blocks.append(Block(text=_text(element), kind="heading"))
        elif tag == "list":
            blocks += [Block(text=_text(item)) for item in element.iter("item")]
        elif tag == "table":
            rows = [[_text(cell) for cell in row.iter("cell")] for row in element.iter("row")]
            blocks += [Block(text=row, kind="table_row") for row in table_rows(rows)]
        elif tag in {"p", "quote", "code"}:
            blocks.append(Block(text=_text(element)))
    return blocks


def _extract(data: bytes, favor_recall: bool):
    import trafilatura

    return trafilatura.extract(
        data,
        output_format="xml",
        with_metadata=True,
        include_tables=True,
        include_comments=False,
        include_links=False,
        include_images=False,
        favor_recall=favor_recall,
        # Only dates the page states in its markup: an extensive search takes '© 2025' for one.
        date_extraction_params={"extensive_search": False, "original_date": True},
    )


class HtmlReader:
    name = "html"
    suffixes = (".html", ".htm", ".xhtml")
    version = made_with("1", "trafilatura", "lxml")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        head = data[:2048].lstrip().lower()
        if b"\0" in data[:8192] or b"<" not in head:
            raise RagError(
                "skipped, not an HTML page (no markup at its start).", fix="Check what the file is, and give it its right suffix."
            )
        found = _extract(data, favor_recall=False) or _extract(data, favor_recall=True)
        if not found:
            return Extraction.of([])
        doc = etree.fromstring(found.encode("utf-8"), XML_PARSER)
        main = doc.find("main")
        blocks = article_blocks(main) if main is not None else []
        return Extraction.of(blocks, date=doc.get("date") or None, title=doc.get("title") or "")
