"""Stage 1, the corpus: which folder is read, how files are cut into chunks, and what every
reader is given (``ReadOptions``: the limits a file is read within and the OCR choice, built
once by ``CorpusSettings.read_options``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OcrEngine = Literal["tesseract", "rapidocr", "off"]


class CorpusSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus_dir: Path = Field(
        Path("seeds"), description="Folder whose documents (text, Markdown, PDF, Office, HTML, EPUB, images) are the corpus."
    )
    chunk_size: int = Field(240, ge=20, le=8000, description="Largest chunk, in characters.")
    chunk_overlap: int = Field(40, ge=0, description="Characters shared by neighbouring chunks of a paragraph.")
    max_file_mb: float = Field(64, gt=0, description="Corpus files larger than this are skipped with a message, never read whole.")
    max_documents: int = Field(10_000, ge=1, description="Documents the corpus folder may hold; adding more is refused.")
    max_pages: int = Field(1000, ge=1, description="Pages (slides, sheets) read from one file; the rest are left out, with a note.")
    max_unpacked_mb: float = Field(
        512, gt=0, description="Office and EPUB files are zip archives: more than this unpacked is refused (a zip bomb)."
    )
    max_part_mb: float = Field(
        32,
        gt=0,
        description="Word, PowerPoint and EPUB files: a part (the document's XML) that unpacks to more than this is refused, "
        "since its parser holds it whole in memory, many times over (a 3,000-page book is about 15 MB).",
    )
    max_paragraphs: int = Field(100_000, ge=1, description="Paragraphs read from one file; the rest are left out, with a note.")
    ocr: OcrEngine = Field("rapidocr", description="OCR for scanned pages and images: 'rapidocr', 'tesseract' or 'off'.")
    ocr_languages: str = Field("chi_tra+chi_sim+eng", description="Tesseract language models, joined by '+'.")
    ocr_dpi: int = Field(150, ge=72, le=600, description="Resolution scanned PDF pages are rendered at for OCR.")
    max_ocr_pages: int = Field(
        100,
        ge=1,
        description="Scanned pages (page images) read by OCR from one file; the rest are left out, with a note. Blank pages "
        "are not read and not counted. OCR takes 3-8 s a page on two cores, so one file holds indexing up for minutes, not hours.",
    )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 2**20)

    @property
    def read_options(self) -> ReadOptions:
        return ReadOptions(
            max_file_bytes=self.max_file_bytes,
            max_pages=self.max_pages,
            max_unpacked_bytes=int(self.max_unpacked_mb * 2**20),
            max_part_bytes=int(self.max_part_mb * 2**20),
            max_paragraphs=self.max_paragraphs,
            ocr=self.ocr,
            ocr_languages=self.ocr_languages,
            ocr_dpi=self.ocr_dpi,
            max_ocr_pages=self.max_ocr_pages,
        )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> CorpusSettings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size})")
        return self


class ReadOptions(BaseModel):
    """Limits and choices every reader gets; built once from Settings."""

    max_file_bytes: int = Field(64 * 2**20, description="Files larger than this are skipped before being read.")
    max_pages: int = Field(1000, description="Pages (slides, sheets) read from one file; the rest are left out with a note.")
    max_unpacked_bytes: int = Field(512 * 2**20, description="Office and EPUB files are zips: more than this unpacked is refused.")
    max_part_bytes: int = Field(32 * 2**20, description="Word, PowerPoint and EPUB: a part that unpacks to more is refused.")
    max_paragraphs: int = Field(100_000, description="Paragraphs read from one file; the rest are left out with a note.")
    ocr: OcrEngine = Field("rapidocr", description="Engine for pages with no text layer, or 'off'.")
    ocr_languages: str = Field("chi_tra+chi_sim+eng", description="Tesseract language models, joined by '+'.")
    ocr_dpi: int = Field(150, description="Resolution scanned PDF pages are rendered at for OCR.")
    max_ocr_pages: int = Field(100, description="Page images read by OCR from one file (blank ones not counted); the rest are left out.")
