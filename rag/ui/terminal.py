"""Corpus and model text made safe to print on a terminal.

A document may hold escape sequences (``\\x1b]0;title\\x07`` retitles the terminal,
``\\x1b[2J`` clears it), and a file name may hold ``\\r`` or ``\\n`` that overwrite what
was printed before, so a name could pose as another source. Every string the CLI prints
from a document, a file name or a model goes through ``safe``; JSON output through
``safe_json``, since ``json.dumps`` leaves C1 controls and direction overrides raw.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 and C1 controls (ESC, BEL, CR, CSI…), bidirectional overrides and isolates (which
# reorder what follows them on screen), and the Unicode line and paragraph separators.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def safe(text: str, keep_newlines: bool = True) -> str:
    """``text`` with control characters shown as escapes (``\\x1b``, ``\\u202e``); newlines
    and tabs kept when ``keep_newlines`` (body text), escaped too otherwise (names)."""

    def shown(m: re.Match[str]) -> str:
        ch = m.group(0)
        if keep_newlines and ch in "\n\t":
            return ch
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    return _UNSAFE.sub(shown, text)


def safe_json(obj: Any) -> str:
    """JSON text (UTF-8, indented) in which no control or direction character appears raw."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    # json.dumps already escapes C0 controls inside strings; the raw newlines left are its indentation.
    return _UNSAFE.sub(lambda m: m.group(0) if m.group(0) == "\n" else f"\\u{ord(m.group(0)):04x}", text)
