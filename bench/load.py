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
others.

Last, "beside a local answer": api_retrieve with questions encoded on one thread
(``RAG_QUERY_THREADS=1``) and on all cores (the default): alone, while the local
model keeps generating in this process (backend ``local``), and while it keeps generating in
another process (``rag llama-server``, as behind the ``openai`` backend); one run.
Skipped with --no-local or when the local model is not installed.

Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
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


@contextlib.contextmanager
def generating_in_this_process(rag: RAG, questions: list[str]) -> Iterator[None]:
    """The local backend (llama.cpp inside this process) answers without pause."""
    stop = threading.Event()

    def keep_generating() -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            rag.ask(questions[i % len(questions)], model="local")

    generator = threading.Thread(target=keep_generating, daemon=True)
    generator.start()
    time.sleep(5)  # past the first prompt's evaluation, into generation
    try:
        yield
    finally:
        stop.set()
        generator.join(600)


@contextlib.contextmanager
def generating_in_another_process(rag: RAG, questions: list[str]) -> Iterator[None]:
    """`rag llama-server` (the same model, its own process, as behind the openai backend) on
    127.0.0.1 answers without pause, from the same prompts the openai backend sends (five
    retrieved paragraphs: most of the time goes to reading them)."""
    import httpx

    from rag.answer.prompts import build_messages
    from rag.models.llama_server import wait_until_ready
    from rag.text.language import detect_language

    prompts = [build_messages(q, rag.retrieve(q)[: rag.settings.answer.answer_passages], detect_language(q)) for q in questions]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "rag.ui.cli", "llama-server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    stop = threading.Event()

    def keep_generating() -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            body = {"messages": prompts[i % len(prompts)], "max_tokens": 256, "temperature": 0}
            with contextlib.suppress(httpx.HTTPError):
                httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=600)

    try:
        wait_until_ready(f"http://127.0.0.1:{port}", seconds=180)
        generator = threading.Thread(target=keep_generating, daemon=True)
        generator.start()
        time.sleep(5)
        yield
    finally:
        stop.set()
        server.terminate()
        server.wait(60)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def beside_local_answers(rag: RAG, questions: list[str], requests: int) -> list[dict]:
    """api_retrieve rows with questions encoded on one thread and on all of them: alone, beside
    the local model generating in this process, and beside it generating in another process."""
    from rag.errors import RagError

    try:
        rag.backend("local")
    except RagError as exc:
        print(f"beside a local answer: skipped ({exc})", flush=True)
        return []
    embedder = rag.embedder
    default = embedder.query_threads
    scenarios = {
        "alone": contextlib.nullcontext,
        "this process": lambda: generating_in_this_process(rag, questions),
        "another process": lambda: generating_in_another_process(rag, questions),
    }
    rows = []
    try:
        for where, context in scenarios.items():
            with context():
                for threads in (1, rag.settings.models.threads):
                    embedder.query_threads = threads
                    for clients in (1, 4):
                        row = {"path": "api_retrieve", "local_model_generating": where, "query_threads": threads}
                        row |= closed_loop(lambda q: rag.retrieve(q), questions, clients, requests)
                        row["slow_answer_in_flight"] = where != "alone"
                        print(json.dumps(row), flush=True)
                        rows.append(row)
    finally:
        embedder.query_threads = default
    return rows


def main() -> None:
    from rag.ui.web import launch

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=64, help="Questions per level.")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--out", type=Path, default=RESULTS / "load.json")
    ap.add_argument("--local", action=argparse.BooleanOptionalAction, default=True, help="Also measure beside a local answer.")
    ap.add_argument("--local-requests", type=int, default=16, help="Questions per level beside a local answer.")
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
            if args.local:
                rows += beside_local_answers(rag, questions, args.local_requests)
        finally:
            endpoint.release()
            demo.close()

    report = {
        "machine": {"cores": __import__("os").cpu_count()},
        "corpus": "seeds/ (one article)",
        "ui_concurrency": settings.serve.ui_concurrency,
        "ui_queue_size": settings.serve.ui_queue_size,
        "rows": rows,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{'path':14} {'clients':>7} {'slow':>5} {'local model':>20} {'q/s':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for r in rows:
        beside = f"{r['local_model_generating']}, {r['query_threads']}t" if "query_threads" in r else "no"
        print(
            f"{r['path']:14} {r['clients']:>7} {'yes' if r['slow_answer_in_flight'] else 'no':>5} {beside:>20} "
            f"{r['throughput_qps']:>7} {r['p50_ms']:>8} {r['p95_ms']:>8}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
