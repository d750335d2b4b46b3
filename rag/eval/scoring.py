"""Question sets and retrieval metrics, shared by ``bench/`` and ``rag eval``."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from rag.errors import RagError
from rag.text.markers import CITATION

T = TypeVar("T")


@dataclass
class EvalQuestion:
    question: str
    qid: str = ""
    answers: list[str] = field(default_factory=list)
    gold_paragraphs: list[str] = field(default_factory=list)
    gold_text: list[str] = field(default_factory=list)
    unanswerable: bool = False
    kind: str = ""  # rag.text.kinds: what the answer should be shaped as; '' = not labelled
    lang: str = ""
    points: list[list[str]] = field(default_factory=list)  # key points, each a list of accepted wordings


@dataclass
class DrcdSet:
    """DRCD/SQuAD JSON as a corpus (one paragraph per entry) plus its questions."""

    paragraphs: dict[str, str]  # DRCD paragraph id -> context
    questions: list[EvalQuestion]


def load_drcd(path: Path) -> DrcdSet:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        paragraphs: dict[str, str] = {}
        questions: list[EvalQuestion] = []
        for article in data["data"]:
            for para in article["paragraphs"]:
                paragraphs[para["id"]] = para["context"]
                for qa in para["qas"]:
                    answers = list(dict.fromkeys(a["text"] for a in qa.get("answers", [])))
                    questions.append(
                        EvalQuestion(
                            question=qa["question"],
                            qid=qa["id"],
                            answers=answers,
                            gold_paragraphs=[para["id"]],
                            unanswerable=bool(qa.get("is_impossible")),
                        )
                    )
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RagError(
            f"{path} is not a readable DRCD/SQuAD file ({type(exc).__name__}: {exc}).", fix="Check the file is SQuAD-style JSON."
        ) from exc
    return DrcdSet(paragraphs, questions)


def reciprocal_rank(ranked: Sequence[str], gold: set[str], cutoff: int = 10) -> float:
    for i, pid in enumerate(ranked[:cutoff], 1):
        if pid in gold:
            return 1.0 / i
    return 0.0


def ndcg(ranked: Sequence[str], gold: set[str], cutoff: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, pid in enumerate(ranked[:cutoff], 1) if pid in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), cutoff) + 1))
    return dcg / ideal if ideal else 0.0


def retrieval_metrics(rankings: Sequence[Sequence[str]], golds: Sequence[set[str]]) -> dict[str, float]:
    """recall@1/5/10 (a gold paragraph in the top k), MRR@10 and nDCG@10, averaged."""
    if not rankings:
        return {}
    n = len(rankings)
    out = {f"recall@{k}": sum(bool(set(r[:k]) & g) for r, g in zip(rankings, golds, strict=True)) / n for k in (1, 5, 10)}
    out["mrr@10"] = sum(reciprocal_rank(r, g) for r, g in zip(rankings, golds, strict=True)) / n
    out["ndcg@10"] = sum(ndcg(r, g) for r, g in zip(rankings, golds, strict=True)) / n
    return out


# -- question sets ------------------------------------------------------------------------
def load_jsonl(path: Path) -> list[EvalQuestion]:
    questions = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                question = row["question"]
            except (ValueError, KeyError, TypeError) as exc:
                raise RagError(
                    f"{path}:{n} is not a question record ({type(exc).__name__}: {exc}).",
                    fix="Each line needs a JSON object with 'question'.",
                ) from exc
            if not isinstance(question, str):
                raise RagError(f"{path}:{n}: 'question' must be a string.", fix="Quote the question text.")
            questions.append(
                EvalQuestion(
                    question=question,
                    qid=str(row.get("id", n)),
                    answers=[str(a) for a in row.get("answers", [])],
                    gold_paragraphs=[str(p) for p in row.get("gold_paragraphs", [])],
                    gold_text=[str(t) for t in row.get("gold_text", [])],
                    unanswerable=bool(row.get("unanswerable", False)),
                    kind=str(row.get("kind", "")),
                    lang=str(row.get("lang", "")),
                    points=_points(row.get("points", []), path, n),
                )
            )
    return questions


def _points(value: object, path: Path, n: int) -> list[list[str]]:
    """Key points as lists of accepted wordings; a point given as one string is one wording."""
    if not isinstance(value, list):
        raise RagError(f"{path}:{n}: 'points' must be a list.", fix='Write e.g. "points": [["500億", "50 billion"], ["北京"]].')
    return [[str(w) for w in (point if isinstance(point, list) else [point])] for point in value]


def load_questions(path: Path) -> list[EvalQuestion]:
    """DRCD/SQuAD JSON (gold = the question's own context) or JSON Lines."""
    if not path.is_file():
        raise RagError(f"Question file {path} does not exist.", fix="Give the path of a .jsonl or DRCD/SQuAD .json file.")
    if path.suffix.lower() == ".json":
        squad = load_drcd(path)
        for q in squad.questions:
            q.gold_text = [squad.paragraphs[p] for p in q.gold_paragraphs]
            q.gold_paragraphs = []
        return squad.questions
    return load_jsonl(path)


def write_squad_corpus(path: Path, folder: Path) -> int:
    """Write each context of a DRCD/SQuAD file as its own corpus file; returns the count."""
    squad = load_drcd(path)
    folder.mkdir(parents=True, exist_ok=True)
    for pid, text in squad.paragraphs.items():
        (folder / f"{pid}.txt").write_text(text, encoding="utf-8")
    return len(squad.paragraphs)


def sample_evenly(questions: list[T], n: int | None) -> list[T]:
    """``n`` questions spread evenly over the set (first, last and evenly between), so a slow
    answer model is scored on every part of a set ordered by article, not only the first ones."""
    if n is None or n >= len(questions):
        return questions
    if n < 1:
        raise ValueError(f"sample size must be at least 1, got {n}")
    if n == 1:
        return questions[:1]
    step = (len(questions) - 1) / (n - 1)
    return [questions[round(i * step)] for i in range(n)]


def sample_at_random(questions: list[EvalQuestion], n: int | None, seed: int) -> list[EvalQuestion]:
    """``n`` questions drawn at random with ``seed``, in set order: a second sample, independent
    of the evenly spread one, to check rules tuned on that one on questions they never saw."""
    if n is None or n >= len(questions):
        return questions
    if n < 1:
        raise ValueError(f"sample size must be at least 1, got {n}")
    picked = sorted(random.Random(seed).sample(range(len(questions)), n))
    return [questions[i] for i in picked]


def gold_paragraph_ids(question: EvalQuestion, paragraphs: dict[str, str]) -> set[str]:
    """Paragraphs named by id, plus paragraphs containing any gold text."""
    gold = {p for p in question.gold_paragraphs if p in paragraphs}
    texts = [t.strip() for t in question.gold_text if t.strip()]
    if texts:
        gold.update(pid for pid, body in paragraphs.items() if any(t in body for t in texts))
    return gold


# -- answer metrics -----------------------------------------------------------------------


def _answer_norm(text: str) -> str:
    from rag.text.language import normalize_for_matching

    text = normalize_for_matching(CITATION.sub("", text))
    return "".join(ch for ch in text if ch.isalnum())


def char_f1(prediction: str, reference: str) -> float:
    pred, ref = list(_answer_norm(prediction)), list(_answer_norm(reference))
    if not pred or not ref:
        return float(pred == ref)
    common = Counter(pred) & Counter(ref)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred), same / len(ref)
    return 2 * precision * recall / (precision + recall)


def holds_answer(text: str, accepted: Sequence[str]) -> bool:
    """Whether ``text`` (an answer, or a citation's quoted span) says an accepted answer, with
    citation keys, script, case and punctuation set aside: an answer's 'contains', and for a
    quote whether it sends the reader to the answer or only to its paragraph."""
    norm = _answer_norm(text)
    return any(r and r in norm for r in (_answer_norm(a) for a in accepted))


def answer_scores(answer_text: str, accepted: Sequence[str]) -> dict[str, float]:
    """exact (normalised equality), contains (an accepted answer appears), char_f1 (best)."""
    norm = _answer_norm(answer_text)
    refs = [_answer_norm(a) for a in accepted if _answer_norm(a)]
    if not refs:
        return {"exact_match": 0.0, "contains": 0.0, "char_f1": 0.0}
    return {
        "exact_match": float(any(norm == r for r in refs)),
        "contains": float(holds_answer(answer_text, accepted)),
        "char_f1": max(char_f1(answer_text, a) for a in accepted),
    }


def point_coverage(answer_text: str, points: Sequence[Sequence[str]]) -> float:
    """Share of the key points the answer states: a point counts when any of its wordings
    occurs, with citation keys, script, case and punctuation set aside (as ``holds_answer``)."""
    if not points:
        return 0.0
    return sum(holds_answer(answer_text, point) for point in points) / len(points)


def repeated_sentences(sentences: Sequence[str]) -> int:
    """How many of an answer's sentences say again what an earlier one said (same text once
    citation keys, script, case and punctuation are set aside)."""
    seen: set[str] = set()
    repeats = 0
    for sentence in sentences:
        norm = _answer_norm(sentence)
        if not norm:
            continue
        repeats += norm in seen
        seen.add(norm)
    return repeats
