"""Documents that hold the same text: the same article as .txt and .pdf, or a copy under
another name. Found when the index is built and kept in its manifest (``same_text``), so the
Documents tab, `rag documents` and the API say "same text as X" without reading anything.

Texts are compared folded (script, width, case, white space and punctuation set aside):
equal folded texts are the same; otherwise MinHash signatures of their 5-character shingles
(datasketch's MinHash and MinHashLSH) find the pairs whose estimated Jaccard similarity is at
least ``DuplicateTuning.near``, checked on the two signatures before a pair is reported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rag.text.language import normalize_for_matching
from rag.types import Paragraph


@dataclass(frozen=True)
class DuplicateTuning:
    """When two documents count as holding the same text."""

    near: float = 0.8  # estimated Jaccard of their shingles; a PDF of a .txt differs only by its headers and page numbers
    shingle: int = 5  # characters a shingle: long enough that two unrelated Chinese texts share few
    permutations: int = 128  # MinHash size: the estimate's error is about 1/sqrt(128), under 0.09


TUNING = DuplicateTuning()
_NOT_TEXT = re.compile(r"[\W_]+")


def folded(text: str) -> str:
    """The text as compared: Simplified, lower case, without spaces or punctuation."""
    return _NOT_TEXT.sub("", normalize_for_matching(text))


def same_text_as(paragraphs: Iterable[Paragraph], tuning: DuplicateTuning = TUNING) -> dict[str, str]:
    """doc_id -> the earlier document (by doc_id) holding the same or nearly the same text."""
    from datasketch import MinHash, MinHashLSH

    texts: dict[str, list[str]] = {}
    for p in paragraphs:
        texts.setdefault(p.doc_id, []).append(p.text)
    first_of: dict[str, str] = {}
    sketches: dict[str, MinHash] = {}
    lsh = MinHashLSH(threshold=tuning.near, num_perm=tuning.permutations)
    found: dict[str, str] = {}
    for doc in sorted(texts):
        text = folded("".join(texts[doc]))
        if not text:
            continue
        key = hashlib.sha256(text.encode()).hexdigest()
        if key in first_of:
            found[doc] = found.get(first_of[key], first_of[key])  # the group's first, not a copy of it
            continue
        first_of[key] = doc
        sketch = MinHash(num_perm=tuning.permutations)
        sketch.update_batch([text[i : i + tuning.shingle].encode() for i in range(max(1, len(text) - tuning.shingle + 1))])
        close = sorted(d for d in lsh.query(sketch) if sketch.jaccard(sketches[d]) >= tuning.near)
        if close:
            found[doc] = close[0]
            continue
        lsh.insert(doc, sketch)
        sketches[doc] = sketch
    return found
