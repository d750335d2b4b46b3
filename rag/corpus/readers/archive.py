"""Office files and EPUB are zip archives: checked before any parser opens them, so a zip
bomb (a small file that unpacks to gigabytes) is refused instead of filling memory."""

from __future__ import annotations

import io
import zipfile

from rag.corpus.readers import ReadOptions
from rag.errors import RagError

MAX_MEMBERS = 10_000


def checked_zip(data: bytes, kind: str, options: ReadOptions) -> zipfile.ZipFile:
    """The archive, once its declared sizes are within the limits. Python's zipfile never
    unpacks more than a member declares, so the declared total bounds what is unpacked."""
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
    return archive


_RESAVE = "Open it in the program that made it and save it again."
