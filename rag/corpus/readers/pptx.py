"""Slides with python-pptx (MIT): each slide is a page; its title is a heading, its text
boxes paragraphs in the order they sit on the slide, its tables rows, its notes last."""

from __future__ import annotations

import io

from rag.corpus.extraction import Block, Extraction, table_rows
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.archive import checked_zip


def _shapes(shapes):
    """Every shape, groups opened, top to bottom and left to right as a reader scans a slide."""
    flat = []
    for shape in shapes:
        if shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            flat += _shapes(shape.shapes)
        else:
            flat.append(shape)
    return sorted(flat, key=lambda s: ((s.top or 0) // 50_000, s.left or 0))  # EMU; 50k = ~1.4 mm rows


def _slide_blocks(slide, page: int) -> list[Block]:
    blocks = []
    title = slide.shapes.title
    if title is not None and title.has_text_frame and title.text_frame.text.strip():
        blocks.append(Block(text=title.text_frame.text, kind="heading", page=page))
    for shape in _shapes(slide.shapes):
        if title is not None and shape.shape_id == title.shape_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
            blocks += [Block(text=row, kind="table_row", page=page) for row in table_rows(rows)]
        elif shape.has_text_frame and shape.text_frame.text.strip():
            blocks.append(Block(text=shape.text_frame.text, page=page))
    if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
        notes = slide.notes_slide.notes_text_frame.text
        if notes.strip():
            blocks.append(Block(text=notes, page=page))
    return blocks


class PptxReader:
    name = "pptx"
    suffixes = (".pptx",)
    version = made_with("1", "python-pptx")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        from pptx import Presentation

        checked_zip(data, "PPTX", options)
        deck = Presentation(io.BytesIO(data))
        slides = list(deck.slides)
        blocks = [b for number, slide in enumerate(slides[: options.max_pages], 1) for b in _slide_blocks(slide, number)]
        notes = (
            [f"only the first {options.max_pages:,} of {len(slides):,} slides were read (RAG_MAX_PAGES)."]
            if len(slides) > options.max_pages
            else []
        )
        props = deck.core_properties
        date = props.created.date().isoformat() if props.created else None
        return Extraction.of(blocks, pages=len(slides), date=date, title=props.title or "", notes=notes)
