"""Question sets and retrieval metrics, shared by ``bench/`` and ``rag eval``."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import RagError


@dataclass
class EvalQuestion:
    question: str
    qid: str = ""
    answers: list[str] = field(default_factory=list)
    gold_paragraphs: list[str] = field(default_factory=list)
    gold_text: list[str] = field(default_factory=list)
    unanswerable: bool = False


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
