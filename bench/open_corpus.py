"""Write a library for the open-question sets: every DRCD dev article as one document (its
title on the first line, then its paragraphs), plus the seed article.

    python bench/open_corpus.py --out /tmp/open-corpus
    RAG_CORPUS_DIR=/tmp/open-corpus RAG_INDEX_DIR=/tmp/open-index rag eval questions/open-dev.jsonl --answers

The DRCD file is read from ../shared (never copied into the project).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
SEEDS = ROOT / "seeds"


def write_library(out: Path, drcd: Path = DRCD) -> int:
    out.mkdir(parents=True, exist_ok=True)
    articles = json.loads(drcd.read_text(encoding="utf-8"))["data"]
    for article in articles:
        title = article["title"].strip()
        body = "\n\n".join(p["context"].strip() for p in article["paragraphs"])
        name = hashlib.sha1(title.encode()).hexdigest()[:12]  # titles may hold characters file systems refuse
        (out / f"drcd-{name}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")
    for seed in SEEDS.iterdir():
        if seed.is_file():
            shutil.copy(seed, out / seed.name)
    return len(articles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--drcd", type=Path, default=DRCD)
    args = parser.parse_args()
    print(f"{write_library(args.out, args.drcd)} articles + seeds in {args.out}")


if __name__ == "__main__":
    main()
