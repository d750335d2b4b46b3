"""Concurrent questions against the seed corpus, loopback only: throughput and latency
at 1, 4 and 16 clients, through the Python API and through the web page's queue.

    python bench/load.py [--requests 64] [--clients 1 4 16]

Each level is a closed loop: ``clients`` threads each send their next question as soon as
the previous one is answered, until ``--requests`` questions are done.  Questions cycle
through questions/seed.jsonl (Traditional, Simplified, English).  Rows:

* api_retrieve: ``rag.retrieve(q)`` (question encoding + hybrid search)
* api_ask:      ``rag.ask(q)`` with the extractive answerer
* web_answer:   gradio_client ``/answer`` (extractive), through the page's queue
  (RAG_UI_CONCURRENCY workers; the rest wait)

Then the same web and API rows again while two answers (one per path) are held open by a
remote model that does not reply (tests/endpoints.py): the "slow answer" must not slow the
others.  Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.endpoints

from rag.pipeline import RAG  # noqa: E402
from rag.settings import Settings  # noqa: E402
from tests.endpoints import HeldEndpoint  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def seed_questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "questions" / "seed.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if not r.get("unanswerable")]


def closed_loop(call: Callable[[str], object], questions: list[str], clients: int, requests: int) -> dict:
    """``requests`` calls from ``clients`` threads; every call must succeed."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        t = time.perf_counter()
        call(questions[i % len(questions)])
        with lock:
            latencies.append(time.perf_counter() - t)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    wall = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    return {
        "clients": clients,
        "requests": requests,
        "throughput_qps": round(requests / wall, 2),
        "p50_ms": round(float(np.percentile(ms, 50)), 1),
        "p95_ms": round(float(np.percentile(ms, 95)), 1),
    }


def web_caller(url: str, model: str = "extractive") -> Callable[[str], object]:
    """One gradio_client per client thread (a Client is not meant to be shared)."""
    from gradio_client import Client

    local = threading.local()

    def call(question: str) -> object:
        if not hasattr(local, "client"):
            local.client = Client(url, verbose=False)
        result = local.client.predict(question, model=model, api_name="/answer")
        if result.get("error") or not result.get("text"):
            raise RuntimeError(f"no answer for {question!r}: {result.get('error')}")
        return result

    return call


def api_ask(rag: RAG) -> Callable[[str], object]:
    def call(question: str) -> object:
        answer = rag.ask(question, model="extractive")
        if answer.error:
            raise RuntimeError(answer.error)
        return answer

    return call


def main() -> None:
    from rag.web import launch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=64, help="Questions per level.")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--out", type=Path, default=RESULTS / "load.json")
    args = ap.parse_args()
    questions = seed_questions()

    with tempfile.TemporaryDirectory() as tmp, HeldEndpoint() as endpoint:
        settings = Settings(index_dir=Path(tmp) / "index", openai_base_url=endpoint.url, openai_retries=0, llm_timeout=600)
        rag = RAG(settings)
        rag.ensure_index()
        for q in questions[:3]:  # load the embedder's and answerer's code paths once
            rag.ask(q)
        demo = launch(rag, host="127.0.0.1", port=0, block=False)
        rows: list[dict] = []
        try:
            paths = {"api_retrieve": lambda q: rag.retrieve(q), "api_ask": api_ask(rag), "web_answer": web_caller(demo.local_url)}
            for name, call in paths.items():
                for clients in args.clients:
                    row = {"path": name, "slow_answer_in_flight": False, **closed_loop(call, questions, clients, args.requests)}
                    print(json.dumps(row), flush=True)
                    rows.append(row)

            # Two answers that the model sits on: one through the API, one through the page.
            held_api = threading.Thread(target=lambda: rag.ask(questions[0], model="openai"), daemon=True)
            held_api.start()
            from gradio_client import Client

            held_job = Client(demo.local_url, verbose=False).submit(questions[0], model="openai", api_name="/answer")
            if not endpoint.wait_for(2):
                raise RuntimeError("the held answers never reached the model")
            for name in ("api_retrieve", "web_answer"):
                clients = 4
                row = {"path": name, "slow_answer_in_flight": True, **closed_loop(paths[name], questions, clients, args.requests)}
                row["slow_answers_still_held"] = held_api.is_alive() and not held_job.done()
                print(json.dumps(row), flush=True)
                rows.append(row)
            endpoint.release()
            held_api.join(30)
        finally:
            endpoint.release()
            demo.close()

    report = {
        "machine": {"cores": __import__("os").cpu_count()},
        "corpus": "seeds/ (one article)",
        "ui_concurrency": settings.ui_concurrency,
        "ui_queue_size": settings.ui_queue_size,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'path':14} {'clients':>7} {'slow':>5} {'q/s':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for r in rows:
        print(
            f"{r['path']:14} {r['clients']:>7} {'yes' if r['slow_answer_in_flight'] else 'no':>5} "
            f"{r['throughput_qps']:>7} {r['p50_ms']:>8} {r['p95_ms']:>8}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
