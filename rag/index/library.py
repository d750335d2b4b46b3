"""The document library: what the corpus folder holds and whether each file is indexed,
and adding or removing a document safely. The CLI (``rag documents``, ``rag add``,
``rag remove``) uses it, and so will the page and the REST API, so all of them share
one corpus folder and one set of checks.

An added file is checked before anything is written: its name is made safe (no folders,
no hidden or control characters), its suffix must have a reader and its first bytes must
match that format, its size and the number of documents are within limits, and a file
with the same content already in the folder is refused. It is written to a hidden
temporary file first and linked into place only when complete, so a failed add leaves
nothing behind and never replaces another document.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import threading
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from rag.corpus.files import corpus_files, corpus_of
from rag.corpus.readers import readers_by_suffix
from rag.errors import RagError
from rag.index.store import current_build, read_manifest

if TYPE_CHECKING:
    from rag.settings import Settings

DocumentState = Literal["indexed", "pending", "indexing", "skipped"]
MAX_NAME_CHARS = 120
_ADDING = threading.Lock()
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f/\\:*?\"<>|]")
_ZIP = b"PK\x03\x04"
# What a file's first bytes must be for its suffix (text formats: no NUL byte in the start).
_MAGIC: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": (_ZIP,),
    ".pptx": (_ZIP,),
    ".xlsx": (_ZIP,),
    ".xlsm": (_ZIP,),
    ".epub": (_ZIP,),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
}


class DocumentInfo(BaseModel):
    doc_id: str = Field(description="Path relative to the corpus folder.")
    name: str
    type: str = Field(description="The reader that reads it: pdf, docx, text, …")
    pages: int | None = None
    paragraphs: int | None = Field(None, description="Paragraphs in the live index; None until indexed.")
    date: str | None = None
    bytes: int
    state: DocumentState
    reason: str = Field("", description="Why it is skipped, or what is pending.")
    progress: int | None = Field(None, description="While indexing: how far the index update is, 0-99 (%).")
    same_text_as: str = Field("", description="An indexed document holding the same (or nearly the same) text, if any.")


def safe_name(name: str) -> str:
    """A file name that cannot leave the folder, hide, or carry control characters:
    '../../etc/報告.PDF' -> '報告.pdf'; the suffix is kept, in lower case."""
    base = unicodedata.normalize("NFC", re.split(r"[/\\]", name)[-1])
    # Format and private characters too: a right-to-left override makes 'x\u202egpj.exe'
    # read as 'xexe.jpg', and zero-width ones make two names look the same.
    base = "".join(" " if unicodedata.category(c).startswith("C") else c for c in _UNSAFE.sub(" ", base))
    base = " ".join(base.split()).lstrip(". ")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    stem = stem.rstrip(". ")[: MAX_NAME_CHARS - len(suffix)] or "document"
    return stem + suffix


def _check_content(name: str, data: bytes) -> None:
    suffix = Path(name).suffix.lower()
    known = readers_by_suffix()
    if suffix not in known:
        raise RagError(
            f"{name}: not a format the corpus reads ({', '.join(sorted(known))}).",
            fix="Convert it to one of those formats.",
            status=415,
        )
    magic = _MAGIC.get(suffix)
    if magic is not None and not data.startswith(magic):
        raise RagError(
            f"{name}: its content is not a {suffix[1:].upper()} file.", fix="Check the file; give it its right suffix.", status=415
        )
    if (
        magic is None
        and known[suffix].name in {"text", "csv", "html"}
        and b"\0" in data[:8192]
        and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    ):
        raise RagError(f"{name}: looks binary, not {known[suffix].name}.", fix="Check the file; give it its right suffix.", status=415)


def _same_content(root: Path, data: bytes) -> str | None:
    """The document already holding exactly these bytes, if any (sizes first, then sha256)."""
    digest = hashlib.sha256(data).hexdigest()
    for path in corpus_files(root, []):
        try:
            if path.stat().st_size == len(data) and hashlib.sha256(path.read_bytes()).hexdigest() == digest:
                return path.relative_to(root).as_posix()
        except OSError:
            continue
    return None


def add_document(settings: Settings, name: str, data: bytes) -> str:
    """Save ``data`` into the corpus folder as a safe version of ``name``; the doc_id it got.
    A name already taken by another document becomes 'name (2).pdf'."""
    root = settings.corpus.corpus_dir
    name = safe_name(name)
    if len(data) > settings.corpus.max_file_bytes:
        raise RagError(
            f"{name}: {len(data) / 2**20:,.1f} MB is over the {settings.corpus.max_file_mb:,.0f} MB limit.",
            fix="Split it, or raise RAG_MAX_FILE_MB.",
            status=413,
        )
    if not data:
        raise RagError(f"{name}: the file is empty.", fix="Choose the file again.", status=400)
    _check_content(name, data)
    try:
        with _ADDING:  # one add at a time: two copies of a file at once must not both get in
            return _add_checked(settings, root, name, data)
    except OSError as exc:
        raise RagError(
            f"{name}: could not be saved in {root} ({exc.strerror or exc}).",
            fix="Check that the corpus folder is writable and the disk has room.",
            status=500,
        ) from exc


def _add_checked(settings: Settings, root: Path, name: str, data: bytes) -> str:
    root.mkdir(parents=True, exist_ok=True)
    if len(corpus_files(root, [])) >= settings.corpus.max_documents:
        raise RagError(
            f"The corpus already holds {settings.corpus.max_documents:,} documents (RAG_MAX_DOCUMENTS).",
            fix="Remove some first.",
            status=413,
        )
    existing = _same_content(root, data)
    if existing is not None:
        raise RagError(f"{name}: the same file is already in the corpus as {existing}.", fix="Nothing to do; it is there.", status=409)
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=root)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        stem, suffix = Path(name).stem, Path(name).suffix
        for n in range(1, 1000):
            candidate = name if n == 1 else f"{stem} ({n}){suffix}"
            try:
                os.link(tmp, root / candidate)  # fails if the name exists: nothing is overwritten
                return candidate
            except FileExistsError:
                continue
        raise RagError(f"{name}: too many documents of that name.", fix="Rename the file.", status=409)
    finally:
        os.unlink(tmp)


def remove_document(settings: Settings, doc_id: str) -> None:
    root = settings.corpus.corpus_dir.resolve()
    path = (root / doc_id).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file() or any(p.startswith(".") for p in Path(doc_id).parts):
        raise RagError(f"No document {doc_id!r} in the corpus.", fix="`rag documents` lists them.", status=404)
    try:
        path.unlink()
    except OSError as exc:
        why = exc.strerror or exc
        raise RagError(f"{doc_id}: could not be deleted ({why}).", fix="Check that the corpus folder is writable.", status=500) from exc


def live_manifest(settings: Settings) -> dict | None:
    """The manifest of the build now answering questions; None if there is none or it is unreadable."""
    folder = current_build(settings.index.index_dir)
    try:
        return read_manifest(folder) if folder is not None else None
    except RagError:
        return None


def list_documents(settings: Settings, manifest: dict | None) -> list[DocumentInfo]:
    """Every file of the corpus folder with its state against the live index's ``manifest``:
    indexed (same content), pending (new or changed since), or skipped (with the reason)."""
    corpus = corpus_of(settings, peek=True)
    built = {d["doc_id"]: d for d in (manifest or {}).get("documents", [])}
    counts = (manifest or {}).get("paragraph_counts", {})
    same_text = (manifest or {}).get("same_text", {})  # rag.index.duplicates
    found: list[DocumentInfo] = []
    for doc in corpus.documents:
        entry = built.get(doc.doc_id)
        indexed = entry is not None and entry.get("sha256") == doc.sha256
        found.append(
            DocumentInfo(
                doc_id=doc.doc_id,
                name=doc.path.name,
                type=doc.reader.split("/", 1)[0],
                pages=(entry or {}).get("pages") if indexed else doc.pages,
                paragraphs=counts.get(doc.doc_id) if indexed else None,
                date=(entry or {}).get("date") if indexed else doc.date,
                bytes=_size(doc.path),
                state="indexed" if indexed else "pending",
                reason="" if indexed else "new or changed since the index was built",
                same_text_as=same_text.get(doc.doc_id, "") if indexed else "",
            )
        )
    for problem in corpus.problems:
        doc_id, _, reason = problem.partition(": ")
        path = settings.corpus.corpus_dir / doc_id
        if path.is_file() and not doc_id.endswith("/"):
            found.append(
                DocumentInfo(
                    doc_id=doc_id, name=path.name, type=path.suffix.lstrip(".").lower(), bytes=_size(path), state="skipped", reason=reason
                )
            )
    return sorted(found, key=lambda d: d.doc_id)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
