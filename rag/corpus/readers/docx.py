"""Word documents with python-docx (MIT): paragraphs and tables in document order,
heading styles as headings, the document's creation date and title."""

from __future__ import annotations

import io

from rag.corpus.extraction import Block, Extraction, table_rows
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.archive import checked_zip


def _is_heading(paragraph) -> bool:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    return name.startswith(("Heading", "Title")) or name in {"標題", "标题"}


def _cells(row) -> list[str]:
    """The row's text by grid column. A merged cell is returned once for every column it
    spans: its text stays in the first, the others are empty, so later cells keep their
    column (and its header)."""
    seen, cells = set(), []
    for cell in row.cells:
        cells.append("" if id(cell._tc) in seen else cell.text)
        seen.add(id(cell._tc))
    return cells


class DocxReader:
    name = "docx"
    suffixes = (".docx",)
    version = made_with("1", "python-docx")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        import docx
        from docx.table import Table

        checked_zip(data, "DOCX", options)
        document = docx.Document(io.BytesIO(data))
        blocks: list[Block] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                blocks += [Block(text=row, kind="table_row") for row in table_rows([_cells(r) for r in item.rows])]
            elif item.text.strip():
                blocks.append(Block(text=item.text, kind="heading" if _is_heading(item) else "paragraph"))
        props = document.core_properties
        date = props.created.date().isoformat() if props.created else None
        return Extraction.of(blocks, date=date, title=props.title or "")
