"""Read the corpus folder into documents and paragraphs with exact character offsets."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rag.corpus.cache import ExtractionCache, extraction_key
from rag.corpus.extraction import ALL_BLANK, Extraction, paragraphs_of
from rag.corpus.readers import Progress, Reader, ReadOptions, reader_for, readers_by_suffix
from rag.errors import RagError
from rag.types import Paragraph

if TYPE_CHECKING:
    from rag.settings import Settings

DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
EXTRACTED = "extracted"  # folder in the index folder holding cached extractions


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: Path
    text: str
    sha256: str
    date: str | None = None
    reader: str = "text"
    pages: int | None = None
    title: str = ""


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files skipped, with the reason and the fix
    notes: list[str] = field(default_factory=list)  # files used, with something worth knowing
    cache: ExtractionCache | None = None

    @property
    def fingerprint(self) -> str:
        """Changes when any file's content, name, or reader, or the set of files changes."""
        h = hashlib.sha256()
        for doc in sorted(self.documents, key=lambda d: d.doc_id):
            h.update(f"{doc.doc_id}\0{doc.sha256}\0{doc.reader}\n".encode())
        return h.hexdigest()


def corpus_files(root: Path, skipped: list[str]) -> list[Path]:
    """Every non-hidden file under root. Hidden files and folders and symbolic links to
    folders are not entered; each is named in ``skipped``, so nothing in the folder is
    left out without a word."""
    if not root.is_dir():
        raise RagError(
            f"Corpus folder '{root}' does not exist.",
            fix="Create it and put documents (.txt, .md, .pdf, .docx, …) in it, or set RAG_CORPUS_DIR.",
        )
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        kept = []
        for d in sorted(dirs):
            rel = (here / d).relative_to(root).as_posix()
            if d.startswith("."):
                skipped.append(f"{rel}/: skipped, a hidden folder.")
            elif (here / d).is_symlink():
                skipped.append(f"{rel}/: skipped, a symbolic link to a folder (links to folders are not followed).")
            else:
                kept.append(d)
        dirs[:] = kept
        for f in sorted(files):
            if f.startswith("."):
                skipped.append(f"{(here / f).relative_to(root).as_posix()}: skipped, a hidden file.")
            else:
                found.append(here / f)
    return sorted(found)


def read_bytes(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> bytes:
    """The file's bytes; RagError naming the file when it cannot or must not be read."""
    doc_id = path.relative_to(root).as_posix()
    try:
        info = path.stat()  # follows a link; a link loop raises ELOOP here
        target = path.resolve(strict=True) if path.is_symlink() else path
    except (OSError, RuntimeError) as exc:  # RuntimeError: Path.resolve's "Symlink loop"
        why = "a symbolic link loop" if path.is_symlink() else f"cannot be read ({getattr(exc, 'strerror', None) or exc})"
        raise RagError(f"{doc_id}: skipped, {why}.", fix="Remove the link, or point it at a real file in the corpus folder.") from exc
    if path.is_symlink() and not target.is_relative_to(root.resolve()):
        raise RagError(f"{doc_id}: skipped, a symbolic link to a file outside the corpus folder.", fix="Copy the file in instead.")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO or device reports size 0 and blocks (or never ends) when read.
        raise RagError(f"{doc_id}: skipped, not a regular file (a pipe, socket or device).", fix="Remove it from the corpus folder.")
    if reader_for(path.suffix) is None:
        known = ", ".join(sorted(readers_by_suffix()))
        raise RagError(
            f"{doc_id}: skipped, no reader for {path.suffix or 'files without a suffix'} (readers: {known}).",
            fix="Convert it to one of those formats, or install a reader plugin (docs/architecture.md).",
        )
    too_big = RagError(
        f"{doc_id}: skipped, {info.st_size / 2**20:,.0f} MB is over the {max_bytes / 2**20:,.0f} MB limit (RAG_MAX_FILE_MB).",
        fix="Split it into smaller files, or raise RAG_MAX_FILE_MB.",
    )
    if info.st_size > max_bytes:  # checked before reading: a huge file is never loaded whole
        raise too_big
    try:
        # O_NONBLOCK and fstat: a file swapped for a FIFO after the check neither hangs
        # open() nor gets read.
        with os.fdopen(os.open(target, os.O_RDONLY | os.O_NONBLOCK), "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise OSError(0, "no longer a regular file")
            data = handle.read(max_bytes + 1)  # a file that grew since stat() is still capped
    except OSError as exc:
        raise RagError(f"{doc_id}: skipped, cannot be read ({exc.strerror}).", fix="Check the file's permissions.") from exc
    if len(data) > max_bytes:
        raise too_big
    return data


def extract(doc_id: str, data: bytes, reader: Reader, options: ReadOptions, progress: Progress | None = None) -> Extraction:
    """The reader's extraction; whatever a damaged or hostile file makes a parser raise
    becomes a RagError naming the file. More than ``options.max_paragraphs`` paragraphs are
    cut to that many, with a note: a small file of millions of tiny paragraphs would
    otherwise hold up indexing for every other file."""
    try:
        return capped(reader.read(data, options, progress), options.max_paragraphs)
    except RagError as exc:
        named = RagError(f"{doc_id}: {exc.message}", fix=exc.fix)
        named.transient = getattr(exc, "transient", False)  # type: ignore[attr-defined]
        raise named from exc
    except Exception as exc:  # third-party parsers on hostile input can raise anything
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise RagError(
            f"{doc_id}: skipped, damaged or not a valid {reader.name} file ({detail}).",
            fix="Open it in the program that made it and save it again.",
        ) from exc


def capped(extraction: Extraction, most: int) -> Extraction:
    """``extraction`` with at most ``most`` paragraphs (headings not counted) and a note
    when some were left out."""
    count = sum(block.kind != "heading" for block in extraction.blocks)
    if count <= most:
        return extraction
    kept, seen = [], 0
    for block in extraction.blocks:
        seen += block.kind != "heading"
        if seen > most:
            break
        kept.append(block)
    text = extraction.text[: kept[-1].start + len(kept[-1].text)] if kept else ""
    note = f"only the first {most:,} of {count:,} paragraphs were read (RAG_MAX_PARAGRAPHS)."
    return extraction.model_copy(update={"blocks": kept, "text": text, "notes": [*extraction.notes, note]})


def read_document(
    path: Path,
    root: Path,
    options: ReadOptions | None = None,
    cache: ExtractionCache | None = None,
    progress: Progress | None = None,
    peek: bool = False,
) -> tuple[Document, Extraction | None]:
    """Read one file with the reader its suffix names; RagError when it cannot be used.
    ``peek``: a file that is not plain text and not yet in the cache is hashed, not read
    (None for its extraction), so a status check never starts minutes of OCR."""
    options = options or ReadOptions()
    doc_id = path.relative_to(root).as_posix()
    data = read_bytes(path, root, options.max_file_bytes)
    reader = reader_for(path.suffix)
    assert reader is not None  # read_bytes refuses files no reader takes
    sha256 = hashlib.sha256(data).hexdigest()
    key = extraction_key(sha256, reader, options)
    extraction = cache.get(key) if cache else None
    if extraction is None and peek and reader.name != "text":
        return Document(doc_id=doc_id, path=path, text="", sha256=sha256, reader=f"{reader.name}/{reader.version}"), None
    if extraction is None:
        named = (lambda done, total, what: progress(done, total, f"{doc_id}: {what}")) if progress else None
        try:
            extraction = extract(doc_id, data, reader, options, named)
        except RagError as exc:
            if cache and not getattr(exc, "transient", False):  # the file's own fault: remembered
                cache.put(key, Extraction(text="", blocks=[], refused=exc.message, refused_fix=exc.fix))
            raise
        if cache:
            cache.put(key, extraction)
    if extraction.refused:
        raise RagError(extraction.refused, fix=extraction.refused_fix)
    doc = Document(
        doc_id=doc_id,
        path=path,
        text=extraction.text,
        sha256=sha256,
        date=extraction.date,
        reader=f"{reader.name}/{reader.version}",
        pages=extraction.pages,
        title=extraction.title,
    )
    return doc, extraction


def load_corpus(
    root: Path,
    options: ReadOptions | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
    peek: bool = False,
) -> Corpus:
    """Every readable document under root; what could not be read goes to ``problems``.
    ``peek`` (for status checks): new PDFs, Office files and scans are counted, not read."""
    corpus = Corpus()
    cache = ExtractionCache(cache_dir) if cache_dir else None
    for path in corpus_files(root, corpus.problems):
        try:
            doc, extraction = read_document(path, root, options, cache, progress, peek)
        except RagError as exc:
            corpus.problems.append(str(exc))  # with its "Fix: …", which says what to do
            continue
        if extraction is None:  # new since the last build: its fingerprint makes the index stale
            corpus.documents.append(doc)
            corpus.notes.append(f"{doc.doc_id}: new or changed, read when the index is next built.")
            continue
        paragraphs = paragraphs_of(doc.doc_id, extraction)
        if not paragraphs:
            corpus.problems.append(f"{doc.doc_id}: skipped, no text in it{_why_empty(doc, extraction)}")
            continue
        corpus.notes.extend(f"{doc.doc_id}: {note}" for note in extraction.notes)
        corpus.documents.append(doc)
        corpus.paragraphs.extend(paragraphs)
    corpus.cache = cache
    return corpus


def _why_empty(doc: Document, extraction: Extraction) -> str:
    """Why a file gave no text, ending the sentence, then what its reader left out (pages
    over a limit, pages OCR could not read), which may be why."""
    if doc.reader.startswith("html"):
        why = " (an HTML page with no article text: only scripts, menus or markup)."
    elif ALL_BLANK in extraction.notes:
        why = f" ({ALL_BLANK[:-1]})."
    elif doc.reader.startswith(("pdf", "image")):
        why = " (no text layer, and OCR found no text; is RAG_OCR off?)."
    else:
        why = "."
    left_out = [note for note in extraction.notes if "RAG_" in note or "left out" in note]
    return why + "".join(f" {note[:1].upper()}{note[1:]}" for note in left_out)


def corpus_of(settings: Settings, progress: Progress | None = None, peek: bool = False) -> Corpus:
    """The corpus folder Settings name, read with their limits, extractions cached beside the index."""
    return load_corpus(settings.corpus.corpus_dir, settings.corpus.read_options, settings.index.index_dir / EXTRACTED, progress, peek)
