"""Read the corpus folder into documents and paragraphs with exact character offsets."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError
from rag.types import Paragraph

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
# A blank line: a newline, then only white space (full-width space included), then a newline.
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u3000]*\n\s*")
_DATE_LINE = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*\n?[ \t]*")
_SENTENCE_PUNCT = tuple("。！？；.!?;：:」』”）)")
HEADING_MAX_CHARS = 30
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
# Encodings a Chinese corpus is often in besides UTF-8; anything else is reported, not guessed.
_CJK_ENCODINGS = {"big5", "big5hkscs", "cp950", "gb18030", "gbk", "gb2312", "utf_16", "utf_16_le", "utf_16_be"}


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: Path
    text: str
    sha256: str
    date: str | None = None
    encoding: str = "utf-8"


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files skipped, with the reason and the fix
    notes: list[str] = field(default_factory=list)  # files used, with something worth knowing

    @property
    def fingerprint(self) -> str:
        """Changes when any file's content, name, or the set of files changes."""
        h = hashlib.sha256()
        for doc in sorted(self.documents, key=lambda d: d.doc_id):
            h.update(f"{doc.doc_id}\0{doc.sha256}\n".encode())
        return h.hexdigest()


def corpus_files(root: Path, skipped: list[str]) -> list[Path]:
    """Every non-hidden file under root. Hidden files and folders and symbolic links to
    folders are not entered; each is named in ``skipped``, so nothing in the folder is
    left out without a word."""
    if not root.is_dir():
        raise RagError(f"Corpus folder '{root}' does not exist.", fix="Create it and put .txt or .md files in it, or set RAG_CORPUS_DIR.")
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


def _is_heading(block: str) -> bool:
    line = block.strip()
    if line.startswith("#"):
        return True
    return "\n" not in line and len(line) <= HEADING_MAX_CHARS and not line.endswith(_SENTENCE_PUNCT)


def split_paragraphs(doc: Document) -> list[Paragraph]:
    """Blank-line blocks become paragraphs; short heading lines become their context."""
    text = doc.text
    body_start = 0
    date = _DATE_LINE.match(text)
    if date:
        body_start = date.end()
    blocks: list[tuple[int, int]] = []
    pos = body_start
    for sep in _BLANK_LINE.finditer(text, body_start):
        blocks.append((pos, sep.start()))
        pos = sep.end()
    blocks.append((pos, len(text)))

    paragraphs: list[Paragraph] = []
    heading = ""
    for i, (a, b) in enumerate(blocks):
        raw = text[a:b]
        stripped = raw.strip()
        if not stripped:
            continue
        a += len(raw) - len(raw.lstrip())
        b = a + len(stripped)
        is_last = i == len(blocks) - 1
        if not is_last and _is_heading(stripped):
            heading = stripped.lstrip("#").strip()
            continue
        number = len(paragraphs) + 1
        paragraphs.append(
            Paragraph(
                paragraph_id=f"{doc.doc_id}#p{number}",
                doc_id=doc.doc_id,
                number=number,
                start=a,
                end=b,
                text=stripped,
                heading=heading,
            )
        )
    return paragraphs


def _decode(data: bytes, doc_id: str, path: Path) -> tuple[str, str]:
    """(text, encoding): UTF-8 first; Big5 / GB18030 / UTF-16 when charset detection is sure."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad = exc.start
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding in _CJK_ENCODINGS:
        return str(best), best.encoding
    raise RagError(
        f"{doc_id}: skipped, not UTF-8 (bad byte at position {bad}) and not recognisably Big5 or GB18030.",
        fix=f"Convert it, e.g. iconv -f BIG5 -t UTF-8 '{path}' -o '{path}.utf8.txt'.",
    )


def read_document(path: Path, root: Path, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Document:
    """Decode one file; raise RagError naming the file when it cannot or must not be used."""
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
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise RagError(f"{doc_id}: skipped, not a text file type ({', '.join(sorted(TEXT_SUFFIXES))}).", fix="Convert it to .txt or .md.")
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
    if b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RagError(f"{doc_id}: skipped, looks binary (contains NUL bytes).", fix="Remove it or convert it to UTF-8 text.")
    text, encoding = _decode(data, doc_id, path)
    date = _DATE_LINE.match(text)
    return Document(
        doc_id=doc_id,
        path=path,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        date=date.group(1) if date else None,
        encoding=encoding,
    )


def load_corpus(root: Path, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> Corpus:
    corpus = Corpus()
    for path in corpus_files(root, corpus.problems):
        try:
            doc = read_document(path, root, max_file_bytes)
        except RagError as exc:
            corpus.problems.append(str(exc))  # with its "Fix: …", which says what to do
            continue
        paragraphs = split_paragraphs(doc)
        if not paragraphs:
            corpus.problems.append(f"{doc.doc_id}: skipped, no text in it.")
            continue
        if doc.encoding != "utf-8":
            corpus.notes.append(f"{doc.doc_id}: read as {doc.encoding} (not UTF-8).")
        corpus.documents.append(doc)
        corpus.paragraphs.extend(paragraphs)
    return corpus
