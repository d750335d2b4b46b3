"""Read the corpus folder into documents and paragraphs with exact character offsets."""

from __future__ import annotations

import hashlib
import re
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


@dataclass(frozen=True)
class Document:
    doc_id: str
    path: Path
    text: str
    sha256: str
    date: str | None = None


@dataclass
class Corpus:
    documents: list[Document] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files skipped, with the reason

    @property
    def fingerprint(self) -> str:
        """Changes when any file's content, name, or the set of files changes."""
        h = hashlib.sha256()
        for doc in sorted(self.documents, key=lambda d: d.doc_id):
            h.update(f"{doc.doc_id}\0{doc.sha256}\n".encode())
        return h.hexdigest()


def corpus_files(root: Path) -> list[Path]:
    if not root.is_dir():
        raise RagError(f"Corpus folder '{root}' does not exist.", fix="Create it and put .txt or .md files in it, or set RAG_CORPUS_DIR.")
    return sorted(p for p in root.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts))


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


def read_document(path: Path, root: Path) -> Document:
    """Decode one file as UTF-8; raise RagError naming the file when that is impossible."""
    doc_id = path.relative_to(root).as_posix()
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise RagError(f"{doc_id}: skipped, not a text file type ({', '.join(sorted(TEXT_SUFFIXES))}).", fix="Convert it to .txt or .md.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RagError(f"{doc_id}: skipped, cannot be read ({exc.strerror}).", fix="Check the file's permissions.") from exc
    if b"\0" in data[:8192]:
        raise RagError(f"{doc_id}: skipped, looks binary (contains NUL bytes).", fix="Remove it or convert it to UTF-8 text.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RagError(
            f"{doc_id}: skipped, not UTF-8 (bad byte at position {exc.start}).",
            fix=f"Convert it, e.g. iconv -f BIG5 -t UTF-8 '{path}' -o '{path}.utf8.txt'.",
        ) from exc
    date = _DATE_LINE.match(text)
    return Document(doc_id=doc_id, path=path, text=text, sha256=hashlib.sha256(data).hexdigest(), date=date.group(1) if date else None)


def load_corpus(root: Path) -> Corpus:
    corpus = Corpus()
    for path in corpus_files(root):
        try:
            doc = read_document(path, root)
        except RagError as exc:
            corpus.problems.append(exc.message)
            continue
        paragraphs = split_paragraphs(doc)
        if not paragraphs:
            corpus.problems.append(f"{doc.doc_id}: skipped, no text in it.")
            continue
        corpus.documents.append(doc)
        corpus.paragraphs.extend(paragraphs)
    return corpus
