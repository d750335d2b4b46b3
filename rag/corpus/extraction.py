"""What a reader gives back: a document's text as ordered blocks (paragraphs, headings,
table rows) with the page each is on, and how those blocks become cited paragraphs.

The blocks are joined by blank lines into one extracted text, so every paragraph and
citation offset indexes that text; for plain-text files the extracted text is the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import zip_longest
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.types import Paragraph

BlockKind = Literal["paragraph", "heading", "table_row"]
BLOCK_SEPARATOR = "\n\n"
# A reader's note for a file whose every page is blank (nothing on it, or a page image with no
# ink), so it is reported as that rather than as text OCR could not find.
ALL_BLANK = "every page is blank."
CELL_SEPARATOR = " · "
# Column names may be years or quarters ('2024', '2024年', 'Q3'); other cells with digits are data.
_YEAR_LIKE = re.compile(r"((19|20)\d\d(年度?|年|/\d\d)?|Q[1-4]|(19|20)\d\d ?Q[1-4]|FY ?\d{2,4})")


class Block(BaseModel):
    """One unit of a document's structure, in reading order."""

    model_config = ConfigDict(frozen=True)

    text: str
    kind: BlockKind = "paragraph"
    page: int | None = Field(None, description="1-based page, slide or sheet; None where the format has no pages.")
    ocr: bool = Field(False, description="The text was recognised from an image, not read from a text layer.")
    page_breaks: list[int] = Field(
        default_factory=list, description="Offsets in text where a later page begins: a paragraph that runs onto the next page."
    )
    start: int = Field(-1, description="Offset in the extracted text; set by Extraction.of.")


class Extraction(BaseModel):
    """A document as its reader understood it; cached as JSON by the file's sha256."""

    text: str
    blocks: list[Block]
    pages: int | None = Field(None, description="Pages, slides or sheets in the file; None where the format has none.")
    date: str | None = Field(None, description="YYYY-MM-DD from the document itself (a date line, its metadata).")
    title: str = ""
    notes: list[str] = Field(default_factory=list, description="Worth telling the user: pages limited, pages read by OCR.")
    refused: str = Field("", description="Why the file was skipped, kept so a damaged file is not parsed at every check.")
    refused_fix: str = ""

    @classmethod
    def of(cls, blocks: list[Block], **meta) -> Extraction:
        """Join the blocks' texts with blank lines, recording each block's offset."""
        parts, placed, at = [], [], 0
        for block in blocks:
            text = block.text.strip()
            if not text:
                continue
            placed.append(block.model_copy(update={"text": text, "start": at}))
            parts.append(text)
            at += len(text) + len(BLOCK_SEPARATOR)
        return cls(text=BLOCK_SEPARATOR.join(parts), blocks=placed, **meta)


def paragraphs_of(doc_id: str, extraction: Extraction) -> list[Paragraph]:
    """Paragraphs and table rows become cited paragraphs; a heading becomes the context of
    the paragraphs under it until the next heading."""
    paragraphs: list[Paragraph] = []
    heading = ""
    on_page: dict[int | None, int] = {}
    for block in extraction.blocks:
        if block.kind == "heading":
            heading = block.text.lstrip("#").strip()
            continue
        number = len(paragraphs) + 1
        on_page[block.page] = on_page.get(block.page, 0) + 1
        paragraphs.append(
            Paragraph(
                paragraph_id=f"{doc_id}#p{number}",
                doc_id=doc_id,
                number=number,
                start=block.start,
                end=block.start + len(block.text),
                text=block.text,
                heading=heading,
                page=block.page,
                page_paragraph=on_page[block.page] if block.page is not None else None,
                page_breaks=block.page_breaks,
                ocr=block.ocr,
            )
        )
    return paragraphs


def _clean_cell(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _is_header(row: list[str]) -> bool:
    """A header names every column (the top-left corner may be blank), with words or years,
    not figures."""
    named = row[1:] if row and not row[0] else row
    return len(named) >= 1 and all(named) and not any(any(c.isdigit() for c in cell) and not _YEAR_LIKE.fullmatch(cell) for cell in named)


def table_rows(rows: Sequence[Sequence[object]]) -> list[str]:
    """Each data row as one line that keeps its column names: '年份: 2024 · 營收: 10億', so
    a figure in a table is found, quoted and cited like a sentence. A table without a
    header row gives its cells joined."""
    cleaned = [[_clean_cell(c) for c in row] for row in rows]
    cleaned = [row for row in cleaned if any(row)]
    if len(cleaned) >= 2 and _is_header(cleaned[0]):
        header, body = cleaned[0], cleaned[1:]
        return [
            CELL_SEPARATOR.join(f"{name}: {cell}" if name else cell for name, cell in zip_longest(header, row, fillvalue="") if cell)
            for row in body
        ]
    return [CELL_SEPARATOR.join(cell for cell in row if cell) for row in cleaned]
