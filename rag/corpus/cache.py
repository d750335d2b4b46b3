"""Extractions kept as JSON files named by what made them (the file's sha256, the reader
and its version, the read options), so an unchanged PDF or scan is not read, or OCR'd,
again on every status check and rebuild. Losing the folder only costs time."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from pydantic import ValidationError

from rag.corpus.extraction import Extraction
from rag.corpus.readers import Reader, ReadOptions

log = logging.getLogger("rag")


def output_options(options: ReadOptions) -> dict:
    """The options that can change what a reader gives (not the file size limit, which only
    decides whether a file is read; not tesseract's languages when another engine reads)."""
    used = options.model_dump(exclude={"max_file_bytes"})
    if options.ocr != "tesseract":
        used.pop("ocr_languages")
    if options.ocr == "off":
        used.pop("ocr_dpi")
        used.pop("max_ocr_pages")
    return used


def extraction_key(sha256: str, reader: Reader, options: ReadOptions) -> str:
    made_by = f"{reader.name}\0{reader.version}\0{json.dumps(output_options(options), sort_keys=True)}"
    return f"{sha256[:32]}-{hashlib.sha256(made_by.encode()).hexdigest()[:16]}"


class ExtractionCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()

    def get(self, key: str) -> Extraction | None:
        path = self.folder / f"{key}.json"
        try:
            found = Extraction.model_validate_json(path.read_bytes())
        except (OSError, ValidationError, ValueError):
            return None
        self.used.add(key)
        return found

    def put(self, key: str, extraction: Extraction) -> None:
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(extraction.model_dump_json())
            os.replace(tmp, self.folder / f"{key}.json")
        except OSError as exc:  # a read-only or full index folder: read again next time
            log.warning("Could not cache the extracted text in %s: %s", self.folder, exc)

    def prune(self) -> None:
        """Forget extractions of files no longer in the corpus (after a build)."""
        for path in self.folder.glob("*.json"):
            if path.stem not in self.used:
                path.unlink(missing_ok=True)
        for path in self.folder.glob("*.tmp"):  # left by a write that failed half-way
            path.unlink(missing_ok=True)
