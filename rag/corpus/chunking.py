"""Split paragraphs into embedding-sized chunks without cutting sentences.

langchain's RecursiveCharacterTextSplitter does the packing; we give it Chinese-first
separators (sentence ends, then clause marks, then characters) and keep each
separator at the end of its piece so 。 stays with the sentence it closes.
"""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.text.sentences import CLAUSE_END, SENTENCE_END
from rag.types import Chunk, Paragraph

SEPARATORS = [r"\n\s*\n", r"\n", SENTENCE_END, CLAUSE_END, r"\s+", ""]


class ParagraphChunker:
    def __init__(self, chunk_size: int, chunk_overlap: int) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be positive, got {chunk_size}")
        if not 0 <= chunk_overlap < chunk_size:
            raise ValueError(f"chunk_overlap must be in [0, chunk_size), got {chunk_overlap}")
        self.chunk_size = chunk_size
        self.chunk_overlap = chunk_overlap
        self._splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=chunk_size,
            chunk_overlap=chunk_overlap,
            length_function=len,
            strip_whitespace=True,
        )

    def split(self, paragraph: Paragraph) -> list[Chunk]:
        short = len(paragraph.text) <= self.chunk_size
        pieces = [paragraph.text] if short else self._splitter.split_text(paragraph.text)
        chunks: list[Chunk] = []
        cursor = 0
        for piece in pieces:
            # The splitter returns substrings in order; overlap means the next one may start
            # before the previous end, but by no more than the overlap. Searching from there
            # (not from just after the previous start) keeps a repeated run ("1111…") from
            # being found inside the chunk before it.
            at = paragraph.text.find(piece, cursor)
            if at < 0:  # pragma: no cover - would mean the splitter changed the text
                raise AssertionError(f"chunk not found in paragraph {paragraph.paragraph_id}")
            cursor = max(at + 1, at + len(piece) - self.chunk_overlap)
            start = paragraph.start + at
            chunks.append(
                Chunk(paragraph_id=paragraph.paragraph_id, start=start, end=start + len(piece), text=piece, heading=paragraph.heading)
            )
        return chunks

    def split_all(self, paragraphs: list[Paragraph]) -> list[Chunk]:
        return [chunk for p in paragraphs for chunk in self.split(p)]
