"""``rag eval generate``: a question set made from the library's own documents, offline.

Each document's sentences go through the rules of rag.eval.question_rules; a candidate is
kept only when it passes the round trip:

- it leads back to its source: among its document's sentences, the source sentence shares
  the most words with the question (a question that could as well ask about another
  sentence is ambiguous, not hard);
- it does not answer itself: the answer is not in the question, and the question does not
  copy its sentence (at most ``GenerateTuning.most_copied`` of the sentence's characters);
- it is new: no two records ask the same thing once script and case are folded.

Key points of open questions are words at most ``most_share`` of the library's documents
hold, so another document's text seldom scores them. The set is balanced over the kinds
asked for, each document's first candidate of a kind before any document's second, and
shuffled with the seed. Questions in the other Chinese script are the same questions through
OpenCC; English versions of Chinese documents' questions are templates for overview and
summary, and for the rest are written by an answer model when one is given (rag.eval.translate).

The output is JSON Lines that ``rag eval`` reads; a run that stops can be started again with
the same arguments and adds only what the file lacks.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from tqdm import tqdm

from rag.errors import RagError
from rag.eval.question_rules import (
    Candidate,
    Rarity,
    list_candidates,
    lookup_candidates,
    overview_candidate,
    plain,
    traditional,
    why_candidates,
)
from rag.eval.question_set import already_there, in_language, question_key, record
from rag.eval.translate import Translator
from rag.index.doc_map import DocumentMap
from rag.text.language import bigrams, detect_language, normalize_for_matching, to_simplified
from rag.text.sentences import sentence_spans
from rag.types import Paragraph

KINDS = ("lookup", "why", "list", "overview", "summary")
LANGS = ("zh-Hant", "zh-Hans", "en")


@dataclass(frozen=True)
class GenerateTuning:
    """When a candidate question is good enough to keep."""

    most_copied: float = 0.8  # share of the source sentence the question may repeat verbatim
    least_shared: int = 3  # word units (Han bigrams, Latin words) the question must share with its sentence
    most_share: float = 0.05  # a key point is a word at most this share of the documents hold
    question_chars: tuple[int, int] = (6, 90)  # shorter says too little to find; longer copies a paragraph


TUNING = GenerateTuning()


@dataclass
class Generated:
    """What a generation run wrote, and what it left out and why."""

    path: Path
    written: int = 0
    already: int = 0
    candidates: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    by_lang: dict[str, int] = field(default_factory=dict)
    not_translated: int = 0  # asked in a language only a model could write
    translated: int = 0  # written in English by the model (rag.eval.translate)

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def summary(self) -> dict[str, Any]:
        """What `rag eval generate --json` prints."""
        return {"file": str(self.path), "questions": self.already + self.written, "already_there": self.already} | {
            k: getattr(self, k) for k in ("written", "by_kind", "by_lang", "candidates", "dropped", "not_translated", "translated")
        }


def copied_share(question: str, sentence: str) -> float:
    """How much of ``sentence`` the question repeats, in matching runs of two or more characters."""
    a, b = normalize_for_matching(question), normalize_for_matching(sentence)
    same = sum(block.size for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks() if block.size >= 2)
    return same / max(1, len(b))


def rejection(
    candidate: Candidate, sentences: Sequence[str], tuning: GenerateTuning = TUNING, grams: Sequence[set[str]] | None = None
) -> str | None:
    """Why ``candidate`` fails the round trip (see the module's docstring), or None. ``grams``:
    the sentences' word units, found once per document by the caller."""
    low, high = tuning.question_chars
    if not low <= len(candidate.question) <= high:
        return "length"
    question = normalize_for_matching(candidate.question)
    if any(normalize_for_matching(a) in question for a in candidate.answers):
        return "answer in the question"
    if any(all(normalize_for_matching(w) in question for w in point) for point in candidate.points):
        return "a key point in the question"
    if not candidate.sentence:
        return None  # a whole document's question: its title leads to it
    if copied_share(candidate.question, candidate.sentence) > tuning.most_copied:
        return "copies its sentence"
    asked = bigrams(candidate.question)
    shared = [len(asked & g) for g in (grams if grams is not None else [bigrams(s) for s in sentences])]
    own = len(asked & bigrams(candidate.sentence))
    if own < tuning.least_shared:
        return "too little of its sentence"
    if sum(n >= own for n in shared) > 1:
        return "another sentence fits as well"
    return None


def _sentences(paragraph: Paragraph) -> list[str]:
    return [paragraph.text[a:b] for a, b in sentence_spans(paragraph.text)]


def document_candidates(
    paragraphs: Sequence[Paragraph],
    doc_map: DocumentMap | None,
    rarity: Rarity,
    kinds: Iterable[str],
    found: Generated,
    tuning: GenerateTuning = TUNING,
) -> dict[str, list[Candidate]]:
    """The candidates of one document that pass the round trip, by kind, in document order."""
    kinds = set(kinds)
    simplified = detect_language(" ".join(p.text for p in paragraphs[:3])) == "zh-Hans"
    read = [(p.paragraph_id, traditional(s) if simplified else s) for p in paragraphs for s in _sentences(p)]
    everything = [s for _, s in read]
    grams = [bigrams(s) for s in everything]  # once per document, not once per candidate
    out: dict[str, list[Candidate]] = {k: [] for k in kinds}
    made: list[Candidate] = []
    for pid, sentence in read:
        if "lookup" in kinds:
            made += lookup_candidates(sentence, pid)
        if "why" in kinds:
            made += why_candidates(sentence, pid, rarity, tuning.most_share)
        if "list" in kinds:
            made += list_candidates(sentence, pid)
    if doc_map is not None and doc_map.summary and has_title(doc_map):
        summary = [(r.paragraph_id, traditional(r.text) if simplified else r.text) for r in doc_map.summary]
        for kind in kinds & {"overview", "summary"}:
            whole = overview_candidate(kind, doc_map.title, summary, rarity, tuning.most_share)
            made += [whole] if whole else []
    for candidate in made:
        found.candidates += 1
        reason = rejection(candidate, everything, tuning, grams)
        if reason:
            found.drop(reason)
        else:
            out[candidate.kind].append(candidate)
    if simplified:
        for kind, listed in out.items():
            out[kind] = [_simplified(c) for c in listed]
    return out


def _as_compared(paragraphs: Sequence[Paragraph], candidate: Candidate) -> list[str]:
    """The document's sentences as its candidates were made from them (asides dropped for the
    sentence the candidate came from), so the translation can be led back to that one."""
    sentences = [s for p in paragraphs for s in _sentences(p)]
    return [candidate.sentence if candidate.sentence in (s, plain(s), traditional(s), plain(traditional(s))) else s for s in sentences]


def has_title(doc_map: DocumentMap) -> bool:
    """A title of its own, not the file's name (an overview of '000_4d69' asks nothing)."""
    stem = doc_map.doc_id.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return bool(doc_map.title.strip()) and doc_map.title != stem


def _simplified(c: Candidate) -> Candidate:
    return Candidate(to_simplified(c.question), c.kind, to_simplified(c.sentence), c.paragraph_ids, c.answers, c.points)


def balanced(by_doc: Mapping[str, Mapping[str, list[Candidate]]], kinds: Sequence[str], seed: int) -> list[tuple[str, Candidate]]:
    """(document, candidate) pairs over the kinds in turn; within a kind each document's
    first candidate before any document's second, documents in an order drawn with ``seed``."""
    rng = random.Random(seed)
    queues: dict[str, list[tuple[str, Candidate]]] = {}
    for kind in kinds:
        docs = sorted(d for d in by_doc if by_doc[d].get(kind))
        rng.shuffle(docs)
        depth = max((len(by_doc[d][kind]) for d in docs), default=0)
        queues[kind] = [(d, by_doc[d][kind][i]) for i in range(depth) for d in docs if i < len(by_doc[d][kind])]
    out: list[tuple[str, Candidate]] = []
    while any(queues.values()):
        for kind in kinds:
            if queues[kind]:
                out.append(queues[kind].pop(0))
    return out


def generate_set(
    paragraphs: Iterable[Paragraph],
    maps: Mapping[str, DocumentMap],
    out: Path,
    n: int,
    kinds: Sequence[str] = KINDS,
    langs: Sequence[str] = ("zh-Hant",),
    seed: int = 0,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    tuning: GenerateTuning = TUNING,
    translate: Translator | None = None,
) -> Generated:
    """Write up to ``n`` question records to ``out`` (JSON Lines), keeping the ones already
    there; see the module's docstring for what is made and kept. ``on_progress(done, total)``
    is told after each document (the page's progress bar). With ``translate`` (rag.eval.translate),
    English questions the rules cannot write are asked of a model and kept when they hold."""
    unknown = sorted(set(kinds) - set(KINDS)) + sorted(set(langs) - set(LANGS))
    if unknown:
        raise RagError(f"Unknown kind or language: {', '.join(unknown)}.", fix=f"Kinds: {', '.join(KINDS)}; languages: {', '.join(LANGS)}.")
    by_doc_paragraphs: dict[str, list[Paragraph]] = {}
    for p in paragraphs:
        by_doc_paragraphs.setdefault(p.doc_id, []).append(p)
    if not by_doc_paragraphs:
        raise RagError("The library has no paragraphs to make questions from.", fix="Add documents and run `rag index` first.")
    if not out.parent.is_dir():
        raise RagError(f"The folder {out.parent} does not exist.", fix="Create it, or give the question file a path in an existing folder.")
    found = Generated(path=out)
    seen = already_there(out)
    found.already = len(seen)
    rarity = Rarity()
    for ps in by_doc_paragraphs.values():
        rarity.add_document(" ".join(p.text for p in ps))
    by_doc = {}
    documents = tqdm(by_doc_paragraphs.items(), desc="documents", unit="doc", disable=not progress)
    for done, (doc, ps) in enumerate(documents):
        if on_progress is not None:
            on_progress(done, len(by_doc_paragraphs))
        by_doc[doc] = document_candidates(ps, maps.get(doc), rarity, kinds, found, tuning)
    texts = {p.paragraph_id: p.text for ps in by_doc_paragraphs.values() for p in ps}
    try:
        written = out.open("a", encoding="utf-8")
    except OSError as exc:
        raise RagError(f"Cannot write {out} ({exc.strerror}).", fix="Give a question file in a folder you may write to.") from None
    with written as f:
        for doc, candidate in balanced(by_doc, kinds, seed):
            for lang in langs:
                if found.already + found.written >= n:
                    return found
                title = maps[doc].title if doc in maps else doc
                question, by = in_language(candidate, lang, title), "rules"
                if question is None and lang == "en" and translate is not None and candidate.sentence:
                    by = "rules, put into English by the answer model"
                    question = translate(candidate.question, candidate.sentence, _as_compared(by_doc_paragraphs[doc], candidate))
                    if question is None:
                        found.drop("translation failed its checks")
                        continue
                if question is None:
                    found.not_translated += 1
                    continue
                key = question_key(question, lang)
                if key in seen:
                    continue
                seen.add(key)
                f.write(json.dumps(record(candidate, question, lang, doc, by, texts), ensure_ascii=False) + "\n")
                f.flush()
                found.written += 1
                found.translated += by != "rules"
                found.by_kind[candidate.kind] = found.by_kind.get(candidate.kind, 0) + 1
                found.by_lang[lang] = found.by_lang.get(lang, 0) + 1
    return found
