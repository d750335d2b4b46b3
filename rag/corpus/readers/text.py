"""Plain text and Markdown: blank-line blocks are paragraphs, short unpunctuated lines are
headings, and offsets index the decoded file itself."""

from __future__ import annotations

import re

from rag.corpus.extraction import Block, Extraction
from rag.corpus.readers import Progress, ReadOptions
from rag.errors import RagError

# A blank line: a newline, then only white space (full-width space included), then a newline.
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u3000]*\n\s*")
DATE_LINE = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]*\n?[ \t]*")
_SENTENCE_PUNCT = tuple("。！？；.!?;：:」』”）)")
HEADING_MAX_CHARS = 30
# Encodings a Chinese corpus is often in besides UTF-8; anything else is reported, not guessed.
_CJK_ENCODINGS = {"big5", "big5hkscs", "cp950", "gb18030", "gbk", "gb2312", "utf_16", "utf_16_le", "utf_16_be"}


def decode(data: bytes) -> tuple[str, str]:
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
        f"skipped, not UTF-8 (bad byte at position {bad}) and not recognisably Big5 or GB18030.",
        fix="Convert it, e.g. iconv -f BIG5 -t UTF-8 FILE -o FILE.utf8.txt.",
    )


def is_heading(block: str) -> bool:
    line = block.strip()
    if line.startswith("#"):
        return True
    return "\n" not in line and len(line) <= HEADING_MAX_CHARS and not line.endswith(_SENTENCE_PUNCT)


def text_blocks(text: str) -> list[Block]:
    """Blank-line blocks of ``text`` with their offsets; the last block is never a heading
    (a heading heads something)."""
    body_start = 0
    date = DATE_LINE.match(text)
    if date:
        body_start = date.end()
    spans: list[tuple[int, int]] = []
    pos = body_start
    for sep in _BLANK_LINE.finditer(text, body_start):
        spans.append((pos, sep.start()))
        pos = sep.end()
    spans.append((pos, len(text)))
    blocks = []
    for i, (a, b) in enumerate(spans):
        raw = text[a:b]
        stripped = raw.strip()
        if not stripped:
            continue
        a += len(raw) - len(raw.lstrip())
        heading = i < len(spans) - 1 and is_heading(stripped)
        blocks.append(Block(text=stripped, kind="heading" if heading else "paragraph", start=a))
    return blocks


def text_extraction(text: str, encoding: str = "utf-8") -> Extraction:
    date = DATE_LINE.match(text)
    notes = [f"read as {encoding} (not UTF-8)."] if encoding != "utf-8" else []
    return Extraction(text=text, blocks=text_blocks(text), date=date.group(1) if date else None, notes=notes)


class TextReader:
    name = "text"
    suffixes = (".txt", ".text", ".md", ".markdown")
    version = "1"

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        if b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise RagError("skipped, looks binary (contains NUL bytes).", fix="Remove it or convert it to UTF-8 text.")
        return text_extraction(*decode(data))
