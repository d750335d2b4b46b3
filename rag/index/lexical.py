"""The lexical channel: BM25 (bm25s) over paragraphs, on tokens where Traditional and
Simplified Chinese meet.

Tokens: Han text is converted to Simplified (OpenCC tw2s) and cut into overlapping
character bigrams (a lone Han character stays a unigram), Latin words are lower-cased
with English stop words dropped, numbers are kept whole.  Bigrams need no dictionary,
so unknown names (西伯利亞力量2號) match as well as common words.
"""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np

from rag.text.language import HAN, normalize_for_matching

FOLDER = "bm25"
_HAN_RUN = re.compile(f"[{HAN}]+")
_OTHER = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*")
_STOPWORDS = frozenset(bm25s.stopwords.STOPWORDS_EN)


def lexical_tokens(text: str) -> list[str]:
    text = normalize_for_matching(text)
    tokens: list[str] = []
    for run in _HAN_RUN.findall(text):
        tokens.extend([run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)])
    tokens.extend(t for t in _OTHER.findall(_HAN_RUN.sub(" ", text)) if t not in _STOPWORDS)
    return tokens


class LexicalIndex:
    """BM25 over a fixed list of documents; ``search`` returns (document number, score)."""

    def __init__(self, model: bm25s.BM25) -> None:
        self.model = model
        self.vocab: dict[str, int] = model.vocab_dict

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        # Token ids made here, not by bm25s: its own string-to-id pass took 2.1 s of a 10k
        # paragraph rebuild against 1.4 s for this plus indexing the ids (bench/scale.py).
        vocab: dict[str, int] = {}
        ids = [[vocab.setdefault(token, len(vocab)) for token in lexical_tokens(t)] for t in texts]
        model = bm25s.BM25()
        model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> list[Path]:
        target = folder / FOLDER
        self.model.save(str(target), show_progress=False)  # .npy arrays + JSON, no pickle
        return sorted(target.iterdir())

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        model = bm25s.BM25.load(str(folder / FOLDER), mmap=True, show_progress=False)
        return cls(model)

    def known_share(self, tokens: list[str]) -> float:
        """Share of the query tokens that occur in the corpus at all."""
        return sum(t in self.vocab for t in tokens) / len(tokens) if tokens else 0.0

    def search(self, question: str, n: int) -> list[tuple[int, float]]:
        tokens = [t for t in lexical_tokens(question) if t in self.vocab]
        if not tokens:
            return []
        total = self.model.scores["num_docs"]
        n = min(n, total)
        ids, scores = self.model.retrieve([tokens], k=n, show_progress=False, n_threads=1)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0]

    def score_all(self, question: str) -> np.ndarray:
        tokens = [t for t in lexical_tokens(question) if t in self.vocab]
        if not tokens:
            return np.zeros(self.model.scores["num_docs"], np.float32)
        return self.model.get_scores(tokens)

    def best(self, question: str, scores: np.ndarray, n: int) -> list[int]:
        """The ``n`` documents with the highest positive ``scores`` (``score_all(question)``,
        perhaps zeroed outside a scope), best first; equal scores in document order.

        np.argpartition over a million scores took 6 ms, most of a lexical search (they are
        mostly 0). Instead: the documents of the question's rarest tokens are real
        candidates, so the n-th best score among them is a floor the n best all reach, and
        one comparison over every score finds those few."""
        if n <= 0:
            return []
        ids = np.unique([self.vocab[t] for t in lexical_tokens(question) if t in self.vocab]).astype(np.int64)
        indptr, postings = self.model.scores["indptr"], self.model.scores["indices"]
        floor = 0.0
        if len(ids):
            starts, ends = indptr[ids], indptr[ids + 1]
            rarest, gathered = [], 0
            for j in np.argsort(ends - starts, kind="stable"):
                rarest.append(postings[starts[j] : ends[j]])
                gathered += int(ends[j] - starts[j])
                if gathered >= 4 * n:
                    break
            found = scores[np.concatenate(rarest)]
            found = np.unique(found[found > 0])
            if len(found) >= n:
                floor = float(found[-n])
        keep = np.flatnonzero(scores >= floor) if floor > 0 else np.flatnonzero(scores > 0)
        if len(keep) > 8 * n:  # no useful floor (few or no rare tokens): select among the positive ones
            keep = keep[np.argpartition(-scores[keep], n - 1)[:n]]
            keep.sort()
        keep = keep[np.argsort(-scores[keep], kind="stable")][:n]
        return [int(i) for i in keep]
