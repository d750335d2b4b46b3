"""What every reader is given: the limits a file is read within and the OCR choice (built
once from Settings, ``Settings.read_options``). A leaf, so that settings and readers share it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

OcrEngine = Literal["tesseract", "rapidocr", "off"]


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
