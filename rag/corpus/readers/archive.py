"""Office files and EPUB are zip archives: checked before any parser opens them, so a zip
bomb (a small file that unpacks to gigabytes) is refused instead of filling memory."""

from __future__ import annotations

import io
import zipfile

from rag.corpus.readers import ReadOptions
from rag.errors import RagError

MAX_MEMBERS = 10_000


def checked_zip(data: bytes, kind: str, options: ReadOptions, parsed_whole: bool = True) -> zipfile.ZipFile:
    """The archive, once its declared sizes are within the limits. Python's zipfile never
    unpacks more than a member declares, so the declared total bounds what is unpacked.
    ``parsed_whole``: its parser builds each part whole in memory (python-docx, python-pptx,
    the EPUB reader), which takes many times the part's size, so a part is limited too."""
    if not data.startswith(b"PK\x03\x04"):
        raise RagError(f"skipped, not a {kind} file (its content is not the zip archive {kind} files are).", fix=_RESAVE)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RagError(f"skipped, a damaged or truncated {kind} file ({exc}).", fix=_RESAVE) from exc
    if len(members) > MAX_MEMBERS:
        raise RagError(f"skipped, the {kind} archive holds {len(members):,} files (over {MAX_MEMBERS:,}).", fix=_RESAVE)
    unpacked = sum(m.file_size for m in members)
    if unpacked > options.max_unpacked_bytes:
        raise RagError(
            f"skipped, it would unpack to {unpacked / 2**20:,.0f} MB, over the {options.max_unpacked_bytes / 2**20:,.0f} MB limit "
            "(RAG_MAX_UNPACKED_MB): a zip bomb, or a very large file.",
            fix="If you trust the file, raise RAG_MAX_UNPACKED_MB.",
        )
    biggest = max(members, key=lambda m: m.file_size, default=None)
    if parsed_whole and biggest is not None and biggest.file_size > options.max_part_bytes:
        raise RagError(
            f"skipped, its part {biggest.filename} would unpack to {biggest.file_size / 2**20:,.0f} MB, over the "
            f"{options.max_part_bytes / 2**20:,.0f} MB limit for one part (RAG_MAX_PART_MB): read whole, it would take "
            "many times that in memory.",
            fix="Split the document, or if you trust it and have the memory, raise RAG_MAX_PART_MB.",
        )
    return archive


_RESAVE = "Open it in the program that made it and save it again."
