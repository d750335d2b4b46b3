"""How alike are the same article's texts across formats, and how alike are different
articles? The numbers behind rag.index.duplicates' threshold (DuplicateTuning.near).

The seed article as .txt, as a PDF printed by Chromium (headers, footers, page numbers), as
.docx and as a 300-dpi scan read by OCR, each read by the project's own readers; then the
MinHash-estimated Jaccard of each against the .txt, and the largest one between any two of
the 383 DRCD dev articles (bench/open_corpus.py), which are all different texts.

    python bench/same_text.py      # writes bench/results/same_text.json
"""

from __future__ import annotations

import itertools
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.documents, the makers the tests use too

from datasketch import MinHash  # noqa: E402

from rag.corpus.files import load_corpus  # noqa: E402
from rag.index.duplicates import TUNING, folded, same_text_as  # noqa: E402
from tests.documents import article_html, docx_file, print_pdf, scan_pdf  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from open_corpus import write_library  # noqa: E402


def sketch(text: str) -> MinHash:
    m = MinHash(num_perm=TUNING.permutations)
    m.update_batch([text[i : i + TUNING.shingle].encode() for i in range(max(1, len(text) - TUNING.shingle + 1))])
    return m


def texts_of(folder: Path) -> dict[str, str]:
    corpus = load_corpus(folder)
    out: dict[str, list[str]] = {}
    for p in corpus.paragraphs:
        out.setdefault(p.doc_id, []).append(p.text)
    return {doc: folded("".join(parts)) for doc, parts in out.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        formats = Path(tmp) / "formats"
        formats.mkdir()
        seed = next((ROOT / "seeds").glob("*.txt"))
        shutil.copy(seed, formats / "article.txt")
        pdf = print_pdf(article_html(), formats / "article.pdf")
        docx_file(formats / "article.docx")
        scan_pdf(pdf, Path(tmp) / "scan.pdf")
        shutil.copy(Path(tmp) / "scan.pdf", formats / "article-scan.pdf")
        texts = texts_of(formats)
        base = sketch(texts["article.txt"])
        across_formats = {doc: round(base.jaccard(sketch(t)), 3) for doc, t in texts.items() if doc != "article.txt"}
        found = same_text_as(load_corpus(formats).paragraphs)

        library = Path(tmp) / "library"
        write_library(library)
        for extra in library.glob("000_*"):
            extra.unlink()  # the seed: compared above
        started = time.perf_counter()
        articles = texts_of(library)
        sketches = {doc: sketch(t) for doc, t in articles.items()}
        pairs = [(a, b, sketches[a].jaccard(sketches[b])) for a, b in itertools.combinations(sorted(sketches), 2)]
        seconds = time.perf_counter() - started
        worst = sorted(pairs, key=lambda x: -x[2])[:5]
        library_found = same_text_as(load_corpus(library).paragraphs)
    result = {
        "threshold": TUNING.near,
        "shingle": TUNING.shingle,
        "permutations": TUNING.permutations,
        "seed_article_against_its_txt": across_formats,
        "seed_article_found_as_same_text": found,
        "drcd_articles": len(articles),
        "drcd_pairs": len(pairs),
        "drcd_most_alike_pairs": [{"a": a, "b": b, "jaccard": round(j, 3)} for a, b, j in worst],
        "drcd_found_as_same_text": library_found,
        "sketch_and_compare_seconds": round(seconds, 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    out = ROOT / "bench" / "results" / "same_text.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
