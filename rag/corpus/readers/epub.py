"""EPUB e-books: the archive's package file gives the chapters in reading order, and each
chapter's XHTML is read for headings, paragraphs, list items and tables.

Read with the standard zipfile and lxml rather than EbookLib, whose AGPL licence does not
suit this Apache-2.0 project; an EPUB is a zip of XHTML files and one XML index."""

from __future__ import annotations

import posixpath
import re

from lxml import etree, html

from rag.corpus.extraction import Block, Extraction, table_rows
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.archive import checked_zip
from rag.corpus.readers.html import XML_PARSER
from rag.errors import RagError

_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_PARAGRAPHS = {"p", "li", "blockquote", "pre", "dd", "dt", "figcaption", "caption"}


def _text(element) -> str:
    return " ".join(element.text_content().split())


def chapter_blocks(markup: bytes) -> list[Block]:
    """Blocks of one XHTML chapter, in document order; a table's rows keep its header."""
    root = html.fromstring(markup, parser=html.HTMLParser(encoding="utf-8", no_network=True, remove_comments=True))
    blocks: list[Block] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        tag = tag.rsplit("}", 1)[-1].lower()
        if any(a.tag in ("table", "li") or (a.tag in _PARAGRAPHS) for a in element.iterancestors() if isinstance(a.tag, str)):
            continue  # inside a block already taken whole
        if tag in _HEADINGS:
            blocks.append(Block(text=_text(element), kind="heading"))
        elif tag in _PARAGRAPHS:
            blocks.append(Block(text=_text(element)))
        elif tag == "table":
            rows = [[_text(cell) for cell in row.iter("td", "th")] for row in element.iter("tr")]
            blocks += [Block(text=row, kind="table_row") for row in table_rows(rows)]
    return blocks


class EpubReader:
    name = "epub"
    suffixes = (".epub",)
    version = made_with("1", "lxml")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        archive = checked_zip(data, "EPUB", options)
        try:
            container = etree.fromstring(archive.read("META-INF/container.xml"), XML_PARSER)
            rootfile = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile").get("full-path")
            package = etree.fromstring(archive.read(rootfile), XML_PARSER)
        except (KeyError, AttributeError, etree.XMLSyntaxError) as exc:
            raise RagError(
                "skipped, not a valid EPUB (no readable package file).", fix="Open it in an e-book reader and export it again."
            ) from exc
        base = posixpath.dirname(rootfile)
        manifest = {item.get("id"): item.get("href") for item in package.iter(f"{_OPF}item")}
        spine = [manifest.get(ref.get("idref")) for ref in package.iter(f"{_OPF}itemref")]
        blocks: list[Block] = []
        for href in spine[: options.max_pages]:
            if href:
                try:
                    blocks += chapter_blocks(archive.read(posixpath.normpath(posixpath.join(base, href))))
                except KeyError:
                    continue  # a chapter the manifest names but the archive lacks
        title = package.findtext(f".//{_DC}title") or ""
        date = (package.findtext(f".//{_DC}date") or "").strip()[:10]
        date = date if _DATE.fullmatch(date) else None
        return Extraction.of(blocks, title=title.strip(), date=date)
