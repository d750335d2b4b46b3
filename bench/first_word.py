"""The local model's first word through `rag serve`, on documents it has read ahead (saved
readings, rag.serve.read_ahead) against the same questions without them.

    python bench/first_word.py                       # 24 DRCD dev articles, 40 lookups, 20 open questions
    python bench/first_word.py --configs saved lone0 # only some configurations

The library is a fresh sample of DRCD dev articles (``--seed``): the ten that the open-dev
set asks about (two open questions each) and others drawn at random, each one document
(title line, then its paragraphs, as bench/open_corpus.py writes them). Lookups are DRCD
questions about those articles, at most two per article. Each configuration starts its own
`rag serve` on 127.0.0.1 with the local model; with saved readings it first waits until
GET /api/health says the model has read the whole library (time and disk recorded), then
asks every question once over POST /api/ask. First-word and whole-answer times are the
server's own (Answer.timings, from the question's arrival), with llama.cpp's token counts.

Configurations: ``baseline`` (no saved readings; the first 16 paragraphs read ahead in
memory, as before), ``saved`` (saved readings, default settings), ``lone0`` (saved readings
and RAG_LONE_PASSAGE_MARGIN=0: every lookup is first shown its top passage alone, which the
model has read). Writes bench/results/first_word.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from open_corpus import DRCD  # noqa: E402

RESULTS = ROOT / "bench" / "results"
OPEN_SET = ROOT / "questions" / "open-dev.jsonl"
CONFIGS = {
    "baseline": {"RAG_LLM_SAVED_READING": "false"},
    "saved": {},
    "lone0": {"RAG_LONE_PASSAGE_MARGIN": "0"},
}


def sample(seed: int, articles_wanted: int, lookups: int, open_per_doc: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed)
    articles = json.loads(DRCD.read_text(encoding="utf-8"))["data"]
    by_title = {a["title"].strip(): a for a in articles}
    open_rows = [json.loads(line) for line in OPEN_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    open_docs = sorted({r["doc"] for r in open_rows if r["doc"] in by_title})
    chosen = [by_title[t] for t in open_docs]
    others = [a for a in articles if a["title"].strip() not in open_docs]
    rng.shuffle(others)
    chosen += others[: max(0, articles_wanted - len(chosen))]
    questions = []
    for title in open_docs:
        rows = [r for r in open_rows if r["doc"] == title]
        for r in rng.sample(rows, min(open_per_doc, len(rows))):
            questions.append({"question": r["question"], "type": "open", "kind": r["kind"], "doc": title})
    pool = []
    for a in chosen:
        qs = [(a["title"].strip(), q["question"]) for p in a["paragraphs"] for q in p["qas"]]
        pool.append(rng.sample(qs, min(2, len(qs))))
    flat = [q for pair in pool for q in pair]
    rng.shuffle(flat)
    questions += [{"question": q, "type": "lookup", "kind": "lookup", "doc": t} for t, q in flat[:lookups]]
    rng.shuffle(questions)
    return chosen, questions


def write_library(articles: list[dict], out: Path) -> None:
    import hashlib

    out.mkdir(parents=True, exist_ok=True)
    for article in articles:
        title = article["title"].strip()
        body = "\n\n".join(p["context"].strip() for p in article["paragraphs"])
        name = hashlib.sha1(title.encode()).hexdigest()[:12]
        (out / f"drcd-{name}.txt").write_text(f"{title}\n\n{body}\n", encoding="utf-8")


def folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*.bin")) if folder.exists() else 0


def run_config(name: str, env_extra: dict, work: Path, questions: list[dict], port: int, reading_dir: Path) -> dict:
    env = {
        **os.environ,
        "RAG_CORPUS_DIR": str(work / "corpus"),
        "RAG_INDEX_DIR": str(work / "index"),
        "RAG_ANSWER_MODEL": "local",
        "RAG_LLM_READING_DIR": str(reading_dir),
        "RAG_INSTANT_ANSWER": "false",
        **env_extra,
    }
    log = open(work / f"serve-{name}.log", "w")  # noqa: SIM115 - the server writes to it until it is stopped
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "rag"), "serve", "--port", str(port)], env=env, stdout=log, stderr=log, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    result: dict = {"config": name, "env": env_extra}
    try:
        started = time.monotonic()
        health = {}
        while time.monotonic() - started < 3600:
            try:
                health = httpx.get(f"{url}/api/health", timeout=5).json()
            except (httpx.HTTPError, ValueError):
                health = {}
            reading = health.get("read_ahead", {})
            ready = health.get("status") == "ok"
            if ready and (name == "baseline" or (reading.get("total") and reading["done"] >= reading["total"] and not reading["running"])):
                break
            time.sleep(2)
        result["ready_s"] = round(time.monotonic() - started, 1)
        result["read_ahead"] = health.get("read_ahead")
        result["reading_bytes"] = folder_bytes(reading_dir)
        if name == "baseline":
            time.sleep(120)  # its in-memory reading ahead of the first paragraphs, as a user's server would have done
        rows = []
        for q in questions:
            t0 = time.monotonic()
            r = httpx.post(f"{url}/api/ask", json={"question": q["question"], "model": "local"}, timeout=600)
            wall = time.monotonic() - t0
            body = r.json()
            t = body.get("timings") or {}
            rows.append(
                {
                    **q,
                    "first_word_s": (t.get("first_token_ms") or 0) / 1000 or None,
                    "whole_s": (t.get("total_ms") or 0) / 1000 or None,
                    "wall_s": round(wall, 2),
                    "prompt_tokens": t.get("prompt_tokens"),
                    "cached_tokens": t.get("cached_prompt_tokens"),
                    "abstained": body.get("abstained"),
                    "error": body.get("error"),
                    "answer": (body.get("answer") or body.get("text") or "")[:200],
                    "cited": [c.get("paragraph_id") for c in body.get("citations", [])],
                }
            )
            print(
                name,
                q["type"],
                rows[-1]["first_word_s"],
                rows[-1]["whole_s"],
                rows[-1]["cached_tokens"],
                "/",
                rows[-1]["prompt_tokens"],
                flush=True,
            )
        result["questions"] = rows
        result["summary"] = summary(rows)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    return result


def _pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 2) if values else None


def summary(rows: list[dict]) -> dict:
    out = {}
    for part in ("all", "lookup", "open"):
        chosen = [r for r in rows if part == "all" or r["type"] == part]
        first = [r["first_word_s"] for r in chosen if r["first_word_s"]]
        whole = [r["whole_s"] for r in chosen if r["whole_s"]]
        read = [r["prompt_tokens"] - (r["cached_tokens"] or 0) for r in chosen if r["prompt_tokens"]]
        out[part] = {
            "n": len(chosen),
            "first_word_p50_s": _pct(first, 50),
            "first_word_p95_s": _pct(first, 95),
            "whole_p50_s": _pct(whole, 50),
            "whole_p95_s": _pct(whole, 95),
            "tokens_read_p50": _pct(read, 50),
            "abstained": sum(bool(r["abstained"]) for r in chosen),
            "errors": sum(bool(r["error"]) for r in chosen),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=["saved", "baseline"], choices=list(CONFIGS))
    parser.add_argument("--seed", type=int, default=2042)
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--lookups", type=int, default=40)
    parser.add_argument("--open-per-doc", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("/tmp/first-word"))
    parser.add_argument("--port", type=int, default=7871)
    parser.add_argument("--out", type=Path, default=RESULTS / "first_word.json")
    parser.add_argument("--keep", action="store_true", help="Keep --work's library, index and saved readings from an earlier run.")
    args = parser.parse_args()
    articles, questions = sample(args.seed, args.articles, args.lookups, args.open_per_doc)
    if not args.keep:
        shutil.rmtree(args.work, ignore_errors=True)
        write_library(articles, args.work / "corpus")
    reading_dir = args.work / "reading"
    report = json.loads(args.out.read_text(encoding="utf-8")) if args.keep and args.out.exists() else {}
    report |= {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores (shared)",
        "seed": args.seed,
        "articles": len(articles),
        "paragraphs": sum(len(a["paragraphs"]) + 1 for a in articles),
        "questions": {"lookup": sum(q["type"] == "lookup" for q in questions), "open": sum(q["type"] == "open" for q in questions)},
        "documents_asked": len({q["doc"] for q in questions}),
    }
    report.setdefault("runs", [])
    for name in args.configs:
        report["runs"] = [r for r in report["runs"] if r["config"] != name]
        report["runs"].append(run_config(name, CONFIGS[name], args.work, questions, args.port, reading_dir))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for run in report["runs"]:
        print(run["config"], run.get("ready_s"), run.get("read_ahead"), json.dumps(run.get("summary"), ensure_ascii=False))
    saved = next((r for r in report["runs"] if r["config"] == "saved"), None)
    if saved:
        n = saved["read_ahead"]["total"]
        report["per_1000_documents"] = {
            "readings_per_document": round(n / len(articles), 2),
            "disk_gb": round(saved["reading_bytes"] / len(articles) * 1000 / 1e9, 1),
            "reading_hours_2_cores": round(saved["ready_s"] / len(articles) * 1000 / 3600, 1),
        }
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
        print(report["per_1000_documents"])


if __name__ == "__main__":
    main()
