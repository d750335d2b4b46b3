"""Writing a generated question set (rag.eval.generate): each question in the languages asked
for, one JSON Lines record as `rag eval` reads it, and what a file already holds, so that a
stopped run resumes where it was."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from rag.errors import RagError
from rag.eval.question_rules import OVERVIEW, Candidate, traditional
from rag.text.language import detect_language, normalize_for_matching, to_simplified


def in_language(candidate: Candidate, lang: str, title: str) -> str | None:
    """The question in ``lang``, or None when only a model could write it."""
    source = detect_language(candidate.question)
    if candidate.kind in OVERVIEW:
        return OVERVIEW[candidate.kind][lang].format(title=title)
    if source == lang:
        return candidate.question
    if {source, lang} == {"zh-Hant", "zh-Hans"}:
        return to_simplified(candidate.question) if lang == "zh-Hans" else traditional(candidate.question)
    return None


def record(
    candidate: Candidate, question: str, lang: str, doc_id: str, generated_by: str = "rules", paragraphs: dict[str, str] | None = None
) -> dict[str, Any]:
    """One JSON Lines record as ``rag eval`` reads it, with where it came from. The source
    sentence is gold text as well when its paragraph holds it verbatim (``paragraphs``: id ->
    text), so the same sentence in another copy of the document counts as found too."""
    row: dict[str, Any] = {
        "id": "gen-" + hashlib.sha1(question.encode()).hexdigest()[:10],
        "question": question,
        "kind": candidate.kind,
        "lang": lang,
        "gold_paragraphs": list(candidate.paragraph_ids),
    }
    if candidate.sentence and any(candidate.sentence in (paragraphs or {}).get(pid, "") for pid in candidate.paragraph_ids):
        row["gold_text"] = [candidate.sentence]
    if candidate.answers:
        row["answers"] = list(candidate.answers)
    if candidate.points:
        row["points"] = [list(p) for p in candidate.points]
    row["source"] = {"doc_id": doc_id, "sentence": candidate.sentence}
    row["generated_by"] = generated_by
    return row


def question_key(question: str, lang: str) -> str:
    """Two records ask the same thing when their folded text and language are the same
    (folding makes a Simplified question equal to its Traditional twin, which is wanted)."""
    return f"{lang}\t{normalize_for_matching(question)}"


def already_there(out: Path) -> set[str]:
    """The folded questions ``out`` already holds (a run started again adds the rest)."""
    if not out.exists():
        return set()
    seen = set()
    for n, line in enumerate(out.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            seen.add(question_key(row["question"], row.get("lang", "")))
        except (ValueError, KeyError, TypeError) as exc:
            raise RagError(f"{out}:{n} is not a question record.", fix="Give a new file, or remove the broken line.") from exc
    return seen
