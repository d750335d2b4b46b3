"""Documents in other formats, measured against the same text as plain files.

1. Retrieval: DRCD dev's 383 articles grouped into books, each book once as .txt and once
   printed to PDF by headless Chromium (with its running header and footer, as a browser
   prints); every question asked of both indexes. recall@1/5/10 and MRR@10 side by side.
2. Extraction: character error rate (CER) of the text each reader gives against the text
   the file was made from, for text-layer PDF, DOCX and HTML (inside a site's menu and
   footer), and OCR of the same pages scanned at 300 dpi and recognised at 150 and 300
   dpi by each engine, in Traditional and Simplified Chinese and English.
3. Speed: pages per second read from text-layer PDFs and by OCR, on this machine.

    python bench/formats.py [--books 40] [--questions 0] [--ocr-pages 2] [--skip-retrieval]

CER compares NFKC-normalised text with white space removed (full-width and half-width
punctuation, and the spaces OCR puts between Chinese characters, are not counted).
Writes bench/results/formats.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.documents, the makers the tests use too

from opencc import OpenCC  # noqa: E402
from rapidfuzz import fuzz  # noqa: E402
from rapidfuzz.distance import Levenshtein  # noqa: E402

from rag.corpus.readers import ReadOptions  # noqa: E402
from rag.corpus.readers.docx import DocxReader  # noqa: E402
from rag.corpus.readers.html import HtmlReader  # noqa: E402
from rag.corpus.readers.pdf import PdfReader  # noqa: E402
from rag.eval.scoring import load_drcd, retrieval_metrics  # noqa: E402
from rag.models.embedding import get_embedder  # noqa: E402
from rag.pipeline import RAG  # noqa: E402
from rag.settings import Settings  # noqa: E402
from tests.documents import article_html, docx_file, print_pdf, scan_pdf  # noqa: E402

DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
WORK = Path(__import__("os").environ.get("RAG_BENCH_WORK", ROOT / ".bench-cache")) / "formats"
METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10")


def folded(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())


def cer(reference: str, extracted: str) -> float:
    ref, hyp = folded(reference), folded(extracted)
    return Levenshtein.distance(ref, hyp) / max(len(ref), 1)


def books(articles: list[dict], count: int) -> list[list[dict]]:
    size = -(-len(articles) // count)
    return [articles[i : i + size] for i in range(0, len(articles), size)]


def book_blocks(book: list[dict]) -> list[tuple[str, str]]:
    """(kind, text): each article's title as a heading, then its paragraphs."""
    out = []
    for article in book:
        out.append(("heading", article["title"]))
        out += [("paragraph", p["context"].strip()) for p in article["paragraphs"]]
    return out


def book_html(blocks: list[tuple[str, str]]) -> str:
    import html

    body = "".join(f"<h1>{html.escape(t)}</h1>" if k == "heading" else f"<p>{html.escape(t)}</p>" for k, t in blocks)
    return f'<!doctype html><html lang="zh-Hant"><head><meta charset="utf-8"><title>DRCD</title></head><body>{body}</body></html>'


def make_corpora(data: dict, count: int) -> tuple[Path, Path, dict[str, list[dict]], float]:
    """The books as .txt and as .pdf (cached); seconds Chromium took to print the missing ones."""
    txt, pdf = WORK / f"books{count}" / "txt", WORK / f"books{count}" / "pdf"
    txt.mkdir(parents=True, exist_ok=True)
    pdf.mkdir(parents=True, exist_ok=True)
    by_file: dict[str, list[dict]] = {}
    printing = 0.0
    for i, book in enumerate(books(data["data"], count)):
        name = f"book{i:03d}"
        blocks = book_blocks(book)
        (txt / f"{name}.txt").write_text("\n\n".join(t for _, t in blocks) + "\n", encoding="utf-8")
        if not (pdf / f"{name}.pdf").exists():
            t0 = time.perf_counter()
            print_pdf(book_html(blocks), pdf / f"{name}.pdf")
            printing += time.perf_counter() - t0
        by_file[f"{name}.txt"] = by_file[f"{name}.pdf"] = [p for a in book for p in a["paragraphs"]]
    return txt, pdf, by_file, printing


def to_drcd(passage_text: str, candidates: list[dict]) -> str | None:
    """The DRCD paragraph a retrieved paragraph is: the best text match among its file's
    paragraphs, if close enough. The same rule for both corpora keeps the comparison fair."""
    best = max(candidates, key=lambda p: fuzz.ratio(folded(passage_text), folded(p["context"])))
    return best["id"] if fuzz.ratio(folded(passage_text), folded(best["context"])) >= 80 else None


def retrieval(data: dict, args) -> dict:
    txt, pdf, by_file, printing = make_corpora(data, args.books)
    dataset = load_drcd(DRCD)
    questions = dataset.questions[: args.questions or None]
    golds = [set(q.gold_paragraphs) for q in questions]
    result: dict = {"books": args.books, "questions": len(questions), "chromium_print_seconds": round(printing, 1)}
    embedder = None
    vectors = None
    for name, folder in (("txt", txt), ("pdf", pdf)):
        settings = Settings(corpus_dir=folder, index_dir=folder.parent / f"index-{name}")
        rag = RAG(settings, progress=True)
        t0 = time.perf_counter()
        status = rag.status()
        read_seconds = time.perf_counter() - t0  # reading every file (cached extractions after the first run)
        retriever = rag.ensure_index()
        embedder = embedder or get_embedder(settings)
        if vectors is None:
            vectors = embedder.encode_queries([q.question for q in questions])
        mapping = {pid: to_drcd(p.text, by_file[p.doc_id]) for pid, p in retriever.stored.paragraphs.items()}
        rankings = []
        for question, vector in zip(questions, vectors, strict=True):
            hits = retriever.search(question.question, 10, query_vector=vector)
            rankings.append([mapping[h.paragraph_id] or "?" for h in hits])
        metrics = retrieval_metrics(rankings, golds)
        unmatched = sum(1 for v in mapping.values() if v is None)
        result[name] = {
            **{m: round(metrics[m], 4) for m in METRICS},
            "paragraphs": len(mapping),
            "paragraphs_matching_no_drcd_paragraph": unmatched,
            "status_seconds": round(read_seconds, 2),
            "index_state_before": status.state,
        }
        print(f"{name:<4} " + " ".join(f"{m} {metrics[m]:.4f}" for m in METRICS), file=sys.stderr)
    result["delta"] = {m: round(result["pdf"][m] - result["txt"][m], 4) for m in METRICS}
    return result


def pdf_speed(data: dict, args) -> dict:
    """Reading speed of text-layer PDFs: every DRCD book read once, uncached, in this process."""
    _txt, pdf, _by_file, _printing = make_corpora(data, args.books)
    reader, pages, t0 = PdfReader(), 0, time.perf_counter()
    for path in sorted(pdf.glob("*.pdf")):
        pages += reader.read(path.read_bytes(), ReadOptions()).pages or 0
    seconds = time.perf_counter() - t0
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_second": round(pages / seconds, 1)}


def on_pages(block, last: int) -> str:
    """The part of a text-layer block printed on pages up to ``last`` (it may run on)."""
    later = [b for i, b in enumerate(block.page_breaks) if (block.page or 1) + i + 1 > last]
    return block.text[: later[0]] if later else block.text


def english_blocks() -> list[str]:
    """English prose: the plain paragraphs of this project's own docs (no tables, code or lists)."""
    blocks = []
    for path in sorted((ROOT / "docs").glob("*.md")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            block = " ".join(block.split())
            if len(block) > 120 and not re.search(r"[|`#*\[\]<>_]|^\s*[-\d]", block):
                blocks.append(block)
    return blocks[:14]


def samples(data: dict) -> dict[str, list[str]]:
    zh = [p["context"].strip() for a in data["data"][:6] for p in a["paragraphs"]][:14]
    return {"zh-Hant": zh, "zh-Hans": [OpenCC("t2s").convert(t) for t in zh], "en": english_blocks()}


def extraction(data: dict, args) -> dict:
    out: dict = {}
    folder = WORK / "extraction"
    folder.mkdir(parents=True, exist_ok=True)
    for language, blocks in samples(data).items():
        reference = "\n".join(blocks)
        row: dict = {"characters": len(folded(reference))}
        page = article_html(blocks)
        pdf = print_pdf(page, folder / f"{language}.pdf")
        text_pdf = PdfReader().read(pdf.read_bytes(), ReadOptions())
        row["pdf_pages"] = text_pdf.pages
        row["pdf"] = round(cer(reference, "\n".join(b.text for b in text_pdf.blocks)), 4)
        docx = DocxReader().read(docx_file(folder / f"{language}.docx", blocks).read_bytes(), ReadOptions())
        row["docx"] = round(cer(reference, "\n".join(b.text for b in docx.blocks)), 4)
        site = HtmlReader().read(article_html(blocks, site=True).encode(), ReadOptions())
        row["html_in_site"] = round(cer(reference, "\n".join(b.text for b in site.blocks if b.kind != "heading")), 4)
        # OCR of the first pages only: the reference is the text-layer reading of those pages.
        scan = scan_pdf(pdf, folder / f"{language}-scan.pdf", dpi=300)
        import pypdfium2 as pdfium

        first = pdfium.PdfDocument(scan)
        keep = min(args.ocr_pages, len(first))
        for n in range(len(first) - 1, keep - 1, -1):
            first.del_page(n)
        cut = folder / f"{language}-scan-{keep}.pdf"
        first.save(cut)
        first.close()
        page_reference = "\n".join(on_pages(b, keep) for b in text_pdf.blocks if (b.page or 1) <= keep)
        for engine in ("rapidocr", "tesseract"):
            for dpi in (150, 300):
                options = ReadOptions(ocr=engine, ocr_dpi=dpi, ocr_languages="chi_tra+chi_sim+eng")
                t0 = time.perf_counter()
                try:
                    read = PdfReader().read(cut.read_bytes(), options)
                except Exception as exc:  # an engine missing here is reported, not fatal
                    row[f"ocr_{engine}_{dpi}"] = {"error": str(exc)}
                    continue
                seconds = time.perf_counter() - t0
                row[f"ocr_{engine}_{dpi}"] = {
                    "cer": round(cer(page_reference, "\n".join(b.text for b in read.blocks)), 4),
                    "pages": keep,
                    "seconds_per_page": round(seconds / keep, 2),
                }
        out[language] = row
        print(language, json.dumps(row, ensure_ascii=False), file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--books", type=int, default=40, help="DRCD articles are grouped into this many files.")
    ap.add_argument("--questions", type=int, default=0, help="Ask only the first N DRCD questions (0 = all 3,524).")
    ap.add_argument("--ocr-pages", type=int, default=2, help="Pages per language recognised by each OCR engine at each dpi.")
    ap.add_argument("--skip-retrieval", action="store_true", help="Keep the retrieval figures already in --out.")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "formats.json")
    args = ap.parse_args()
    data = json.loads(DRCD.read_text(encoding="utf-8"))
    result: dict = {"dataset": "DRCD dev v1.3 (CC BY-SA 3.0)", "machine": "2 cores, no GPU"}
    if not args.skip_retrieval:
        result["retrieval"] = retrieval(data, args)
    elif args.out.exists():  # keep the last retrieval figures
        result["retrieval"] = json.loads(args.out.read_text(encoding="utf-8")).get("retrieval")
    result["pdf_read"] = pdf_speed(data, args)
    result["extraction_cer"] = extraction(data, args)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
