"""Follow-up questions (issue 20): recall@3 and MRR@10 of the follow-up turns of
questions/conversations.jsonl asked bare, rewritten with the conversation (what the tool
does) and as the standalone question a person wrote, and 'contains' of the answers.

The corpus is the seed article plus every DRCD dev paragraph (read in place from
../shared/data/drcd/, one file each, written to a cache folder outside the repository),
so each turn is found among 1,001 documents. Writes bench/results/<set>[-MODEL].json.

    python bench/conversations.py                       # extractive answers
    python bench/conversations.py --questions questions/conversations-heldout.jsonl
    python bench/conversations.py --model local --sample 10
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

from rag.eval.conversations import METHODS, load_conversations, run_conversation_eval
from rag.eval.scoring import sample_evenly, write_squad_corpus
from rag.pipeline import RAG
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
QUESTIONS = ROOT / "questions" / "conversations.jsonl"
CACHE = Path.home() / ".cache" / "rag-cjk" / "bench-conversations"


def corpus_folder() -> Path:
    corpus = CACHE / "corpus"
    if not corpus.is_dir():
        write_squad_corpus(DRCD, corpus)
        for seed in (ROOT / "seeds").iterdir():
            shutil.copy(seed, corpus / seed.name)
    return corpus


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="extractive")
    ap.add_argument("--sample", type=int, default=None, help="Conversations, spread evenly over the set.")
    ap.add_argument("--no-answers", action="store_true")
    ap.add_argument("--rewriter", choices=["terms", "model"], default="terms", help="RAG_FOLLOW_UP_REWRITER for this run.")
    ap.add_argument("--questions", type=Path, default=QUESTIONS, help="A multi-turn set (default: questions/conversations.jsonl).")
    args = ap.parse_args()
    settings = Settings(corpus_dir=corpus_folder(), index_dir=CACHE / "index", follow_up_rewriter=args.rewriter)
    rag = RAG(settings, progress=True)
    started = time.perf_counter()
    rag.ensure_index()
    built = time.perf_counter() - started
    conversations = sample_evenly(load_conversations(args.questions), args.sample)
    started = time.perf_counter()
    report = run_conversation_eval(rag, conversations, answers=not args.no_answers, model=args.model)
    report["seconds"] = {"index": round(built, 1), "eval": round(time.perf_counter() - started, 1)}
    report["questions"] = args.questions.name
    report["rewriter"] = args.rewriter
    report["corpus"] = {"documents": (rag.manifest or {}).get("counts", {}), "what": "seeds/ + DRCD dev paragraphs"}
    name = args.questions.stem + ("" if args.model == "extractive" else f"-{args.model}")
    name += ("" if args.rewriter == "terms" else f"-{args.rewriter}-rewrites") + ("-retrieval" if args.no_answers else "") + ".json"
    out = ROOT / "bench" / "results" / name
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{report['conversations']} conversations, {report['turns']} turns; model {args.model}")
    for kind in ("follow_up", "subject_change", "first"):
        for method in METHODS:
            s = report[kind][method]
            shown = "  ".join(f"{k} {v:.3f}" for k, v in s.items() if v is not None)
            print(f"{kind:<15} {report[kind]['turns']:>3} {method:<11} {shown}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
