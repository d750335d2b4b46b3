"""An answer as claims: its sentences with the keys written after them, without list
numbering, the refusal phrase or words that only wrap a citation."""

from __future__ import annotations

import re

from rag.text.language import REFUSALS, bigrams, normalize_for_matching
from rag.text.markers import CITATION, marker_keys, marker_sentences
from rag.text.sentences import sentence_spans

_REFUSAL_GRAMS = [bigrams(phrase) for phrase in REFUSALS.values()]
# Words small models wrap around citations ("This is supported by [1] and [2].", "資料編號為[1]。");
# a sentence made only of these says nothing once the markers are gone.
_FILLER = re.compile(
    r"根[據据]|[資资]料|[編编][號号]|[為为]|如下|以上|\b(?:this|is|it|supported|mentioned|stated|by|in|and|according|to|the|sources?|see)\b",
    re.IGNORECASE,
)
# List numbering that models put at the start of a line ("1. 强烈的競爭"): the sentence
# splitter leaves it at the end of the previous sentence or the start of the next. It is
# not a number the sources must contain.
_LEADING_ENUMERATOR = re.compile(r"^\s*\d{1,2}[.、)）](?!\d)\s*")
_TRAILING_ENUMERATOR = re.compile(r"\n\s*\d{1,2}[.、)）]\s*$")


def is_refusal(text: str, min_overlap: float = 0.6) -> bool:
    """The fixed phrase, or a near copy of it (small models drop or flip a character)."""
    norm = normalize_for_matching(text)
    if any(normalize_for_matching(phrase).rstrip("。.") in norm for phrase in REFUSALS.values()):
        return True
    grams = bigrams(text)
    return bool(grams) and any(len(grams & r) / max(len(grams), len(r)) >= min_overlap for r in _REFUSAL_GRAMS)


def is_filler(sentence: str) -> bool:
    return not re.sub(r"\W", "", _FILLER.sub("", sentence))


def strip_enumerators(sentence: str) -> str:
    return _TRAILING_ENUMERATOR.sub("", _LEADING_ENUMERATOR.sub("", sentence)).strip()


def cited_sentences(answer: str) -> list[tuple[str, list[int], list[tuple[int, int]]]]:
    """Sentences with the keys written after them, and the source sentences those keys point
    at ([2.3]: key 2, its sentence 3); a marker after 。 belongs to that sentence."""
    markers: list[tuple[int, str]] = []
    clean_parts, cursor, clean_len = [], 0, 0
    for m in CITATION.finditer(answer):
        clean_parts.append(answer[cursor : m.start()])
        clean_len += m.start() - cursor
        markers.append((clean_len, m.group(1)))
        cursor = m.end()
    clean_parts.append(answer[cursor:])
    clean = "".join(clean_parts)
    spans = sentence_spans(clean)
    keys: list[list[int]] = [[] for _ in spans]
    pointers: list[list[tuple[int, int]]] = [[] for _ in spans]
    for pos, group in markers:
        owner = max((i for i, (a, _) in enumerate(spans) if a < pos), default=0) if spans else None
        if owner is not None:
            keys[owner].extend(k for k in marker_keys(group) if k not in keys[owner])
            pointers[owner].extend(p for p in marker_sentences(group) if p not in pointers[owner])
    return [(clean[a:b], keys[i], pointers[i]) for i, (a, b) in enumerate(spans)]


def split_cited_sentences(answer: str) -> list[tuple[str, list[int]]]:
    """Sentences with the keys written after them; a marker after 。 belongs to that sentence."""
    return [(text, keys) for text, keys, _ in cited_sentences(answer)]


def claims_of(answer: str, refusal_overlap: float = 0.6) -> list[tuple[str, list[int], list[tuple[int, int]]]]:
    """The sentences of ``answer`` to check, with their keys and the source sentences they
    point at. Small models sometimes write the refusal phrase *and* an answer; the refusal
    sentence is dropped and the rest is judged."""
    stripped = [(strip_enumerators(s), keys, pointers) for s, keys, pointers in cited_sentences(answer)]
    return [(s, keys, p) for s, keys, p in stripped if s and not is_refusal(s, refusal_overlap) and not is_filler(s)]
