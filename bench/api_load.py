"""The REST API under load, loopback only: /api/retrieve and /api/ask at 1, 4 and 16 clients
while documents are uploaded and deleted through the API at the same time.

    python bench/api_load.py [--clients 1 4 16] [--requests 40 24 16] [--level-seconds 120]

The real server runs as its own process (``rag serve --host 127.0.0.1``) on a temporary copy
of seeds/ plus ``--drcd-articles`` DRCD dev articles as .txt files (read in place from
../shared/data/drcd/, never copied into the repository); its index is built first with
``rag index``. Questions: questions/seed.jsonl (answerable ones) and the DRCD questions of
those articles, interleaved.

For each level, ``clients`` threads (one httpx client each) send requests one after
another, alternating POST /api/retrieve {"question", "k"} and POST /api/ask {"question"}
(the server's default answer model, extractive), until each has sent its ``--requests``
or ``--level-seconds`` have passed, whichever comes first. Meanwhile one uploader thread
keeps uploading a small .md document with content no other has (POST /api/documents?wait=true,
which returns once the background index update is done), checks that the served index
now finds it (/api/retrieve on its unique word, /api/health's document count), deletes it
(DELETE /api/documents/{doc_id}?wait=true) and checks that it is gone: each upload and
each delete is one index rebuild under load.

A request is lost when it raised (connection error, timeout) or its status was not 2xx
(503 "busy" included), or a 2xx body was not the object the route promises. Latency is
measured for every request sent, lost or not. Everything is bounded in count and in time;
the server is killed at the end, also on error.

Writes bench/results/api_load.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"
HOST = "127.0.0.1"  # loopback only
ROUTES = ("retrieve", "ask")
# Characters for each uploaded document's unique word: their bigrams occur in no corpus text.
WORD_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def rag_command() -> list[str]:
    script = Path(sys.executable).parent / "rag"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "rag.ui.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def seed_questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "questions" / "seed.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if not r.get("unanswerable")]


def make_corpus(folder: Path, drcd_articles: int) -> list[str]:
    """seeds/ plus the first ``drcd_articles`` DRCD dev articles (one .txt each); the DRCD
    questions of those articles (the first of each paragraph)."""
    folder.mkdir(parents=True)
    for path in (ROOT / "seeds").iterdir():
        if path.is_file() and not path.name.startswith("."):
            shutil.copy2(path, folder / path.name)
    questions: list[str] = []
    if drcd_articles and DRCD.is_file():
        data = json.loads(DRCD.read_text(encoding="utf-8"))["data"][:drcd_articles]
        for n, article in enumerate(data):
            text = "\n\n".join([article["title"], *(p["context"] for p in article["paragraphs"])])
            (folder / f"drcd-{n:03d}.txt").write_text(text + "\n", encoding="utf-8")
            questions += [p["qas"][0]["question"] for p in article["paragraphs"] if p["qas"]]
    return questions


def interleave(a: list[str], b: list[str]) -> list[str]:
    out: list[str] = []
    for i in range(max(len(a), len(b))):
        out += [x[i] for x in (a, b) if i < len(x)]
    return out


def client(**kwargs) -> httpx.Client:
    # trust_env=False: no proxy from the environment, the requests stay on loopback.
    return httpx.Client(trust_env=False, **kwargs)


@contextlib.contextmanager
def server(env: dict[str, str], port: int, log_path: Path, start_timeout: float) -> Iterator[tuple[str, float]]:
    """``rag serve`` in its own process group; (base url, seconds until /api/health said ok).
    Killed on the way out, whatever happened."""
    base = f"http://{HOST}:{port}"
    started = time.perf_counter()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*rag_command(), "serve", "--host", HOST, "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + start_timeout
            with client(base_url=base, timeout=10) as http:
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"the server exited with {proc.returncode}: {log_path.read_text(errors='replace')[-2000:]}")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not answer /api/health within {start_timeout:.0f} s")
                    with contextlib.suppress(httpx.HTTPError):
                        if http.get("/api/health").status_code == 200:
                            break
                    time.sleep(0.5)
            yield base, time.perf_counter() - started
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(20)


def problem(route: str, response: httpx.Response) -> str:
    """Why a response does not count as served ("" when it does)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not response.is_success:
        detail = body.get("error") if isinstance(body, dict) else response.text[:200]
        return f"{response.status_code}: {detail}"
    if not isinstance(body, dict):
        return "2xx without a JSON object"
    if route == "retrieve" and not body.get("passages"):
        return "2xx without passages"
    if route == "ask" and (body.get("error") or "answer" not in body):
        return f"2xx with an answer error: {body.get('error')}"
    return ""


def ask_loop(base: str, index: int, questions: list[str], requests: int, deadline: float, k: int, timeout: float, out: list[dict]) -> None:
    """One client: ``requests`` requests one after another (fewer if the deadline passes),
    alternating /api/retrieve and /api/ask."""
    with client(base_url=base, timeout=timeout) as http:
        for j in range(requests):
            if time.monotonic() >= deadline:
                return
            route = ROUTES[(index + j) % 2]
            question = questions[(index * 7 + j) % len(questions)]
            body: dict = {"question": question, "k": k} if route == "retrieve" else {"question": question}
            started = time.perf_counter()
            try:
                response = http.post(f"/api/{route}", json=body)
                status, error = response.status_code, problem(route, response)
            except httpx.HTTPError as exc:
                status, error = 0, f"{type(exc).__name__}: {exc}"
            out.append({"route": route, "status": status, "ms": (time.perf_counter() - started) * 1000, "error": error})


def found(http: httpx.Client, word: str, doc_id: str) -> bool:
    response = http.post("/api/retrieve", json={"question": f"{word}是什麼？", "k": 5})
    response.raise_for_status()
    return any(p.get("doc_id") == doc_id for p in response.json()["passages"])


def documents_served(http: httpx.Client) -> int:
    return int(http.get("/api/health").json()["documents"])


def upload_loop(base: str, level: int, stop: threading.Event, base_documents: int, timeout: float, out: list[dict]) -> None:
    """Upload a new .md document, check the served index finds it, delete it, check it is
    gone; again until ``stop``. Each cycle finishes, so the corpus is as it was after it."""
    rng = random.Random(level)
    with client(base_url=base, timeout=timeout) as http:
        n = 0
        while not stop.is_set():
            n += 1
            word = "".join(rng.choice(WORD_CHARS) for _ in range(8))
            name = f"load-{level}-{n}.md"
            text = (
                f"# 負載測試文件 {word}\n\n{word}是第{n}份負載測試文件的代號，只在 API 負載測試期間存在，上傳後隨即刪除。\n\n"
                f"This document ({word}, number {n}, level {level}) exists only while the API load test runs.\n"
            )
            row: dict = {"n": n, "upload_status": 0, "delete_status": None, "error": ""}
            try:
                started = time.perf_counter()
                response = http.post("/api/documents", params={"wait": "true"}, files={"file": (name, text.encode(), "text/markdown")})
                row["upload_ms"] = (time.perf_counter() - started) * 1000
                row["upload_status"] = response.status_code
                if response.status_code != 201:
                    row["error"] = f"upload {response.status_code}: {response.text[:200]}"
                    out.append(row)
                    time.sleep(1)
                    continue
                shown = response.json().get("documents") or [{"doc_id": name}]
                doc_id = shown[0]["doc_id"]
                try:
                    row["indexed_after_upload"] = found(http, word, doc_id) and documents_served(http) == base_documents + 1
                finally:  # deleted whatever the check said, so the corpus is as it was
                    started = time.perf_counter()
                    response = http.delete(f"/api/documents/{doc_id}", params={"wait": "true"})
                    row["delete_ms"] = (time.perf_counter() - started) * 1000
                    row["delete_status"] = response.status_code
                if not response.is_success:
                    row["error"] = f"delete {response.status_code}: {response.text[:200]}"
                gone = response.is_success and not found(http, word, doc_id)
                row["gone_after_delete"] = gone and documents_served(http) == base_documents
            except httpx.HTTPError as exc:
                row["error"] = f"{type(exc).__name__}: {exc}"
            out.append(row)


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def route_row(level: int, route: str, calls: list[dict], wall: float, planned: int) -> dict:
    mine = [c for c in calls if c["route"] == route]
    ms = [c["ms"] for c in mine]
    lost = [c for c in mine if c["error"]]
    return {
        "clients": level,
        "route": f"/api/{route}",
        "planned": planned,
        "sent": len(mine),
        "served": len(mine) - len(lost),
        "lost": len(lost),
        "statuses": dict(sorted(Counter(str(c["status"]) for c in mine).items())),
        "p50_ms": pct(ms, 50),
        "p95_ms": pct(ms, 95),
        "max_ms": round(max(ms), 1) if ms else None,
        "served_per_s": round((len(mine) - len(lost)) / wall, 2) if wall else None,
        "errors": sorted({c["error"] for c in lost})[:5],
    }


def upload_row(level: int, cycles: list[dict]) -> dict:
    uploads_ok = [c for c in cycles if c["upload_status"] == 201]
    deletes = [c for c in cycles if c["delete_status"] is not None]
    deletes_ok = [c for c in deletes if 200 <= c["delete_status"] < 300]
    return {
        "clients": level,
        "uploads": len(cycles),
        "upload_errors": len(cycles) - len(uploads_ok),
        "deletes": len(deletes),
        "delete_errors": len(deletes) - len(deletes_ok),
        "index_updates_completed": sum(bool(c.get("indexed_after_upload")) for c in cycles)
        + sum(bool(c.get("gone_after_delete")) for c in cycles),
        "index_updates_asked": len(uploads_ok) + len(deletes),
        "upload_wait_p50_ms": pct([c["upload_ms"] for c in uploads_ok], 50),
        "upload_wait_max_ms": round(max(c["upload_ms"] for c in uploads_ok), 1) if uploads_ok else None,
        "delete_wait_p50_ms": pct([c["delete_ms"] for c in deletes_ok], 50),
        "errors": sorted({c["error"] for c in cycles if c["error"]})[:5],
    }


def run_level(base: str, level: int, requests: int, seconds: float, questions: list[str], args, base_documents: int) -> tuple[list, dict]:
    calls: list[dict] = []
    cycles: list[dict] = []
    stop = threading.Event()
    deadline = time.monotonic() + seconds
    uploader = threading.Thread(
        target=upload_loop, args=(base, level, stop, base_documents, args.upload_timeout, cycles), name="uploader", daemon=True
    )
    uploader.start()
    time.sleep(0.5)  # the first upload is in, its index update under way
    started = time.perf_counter()
    clients = [
        threading.Thread(target=ask_loop, args=(base, i, questions, requests, deadline, args.k, args.timeout, calls), daemon=True)
        for i in range(level)
    ]
    for t in clients:
        t.start()
    for t in clients:
        t.join(seconds + args.timeout + 30)
    wall = time.perf_counter() - started
    stop.set()
    uploader.join(2 * args.upload_timeout + 60)
    planned = {route: sum(1 for i in range(level) for j in range(requests) if ROUTES[(i + j) % 2] == route) for route in ROUTES}
    rows = [route_row(level, r, calls, wall, planned[r]) for r in ROUTES]
    for r in rows:
        r["level_wall_s"] = round(wall, 1)
    return rows, upload_row(level, cycles)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--requests", type=int, nargs="+", default=[40, 24, 16], help="Requests per client, one per level (or one for all).")
    ap.add_argument("--level-seconds", type=float, default=120.0, help="No client starts a request after this long into its level.")
    ap.add_argument("--timeout", type=float, default=120.0, help="Seconds a question may take before it counts as lost.")
    ap.add_argument("--upload-timeout", type=float, default=300.0, help="Seconds an upload or delete (with its index update) may take.")
    ap.add_argument("--drcd-articles", type=int, default=20, help="DRCD dev articles added to the seed corpus as .txt files.")
    ap.add_argument("-k", type=int, default=5, help="Passages per /api/retrieve.")
    ap.add_argument("--out", type=Path, default=RESULTS / "api_load.json")
    args = ap.parse_args()
    per_level = args.requests if len(args.requests) == len(args.clients) else [args.requests[0]] * len(args.clients)
    load_start = os.getloadavg()

    from rag.settings import Settings

    with tempfile.TemporaryDirectory(prefix="rag-api-load-") as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        questions = interleave(seed_questions(), make_corpus(corpus, args.drcd_articles))
        env = {**os.environ, "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(index)}
        settings = Settings(corpus_dir=corpus, index_dir=index)
        print(f"corpus: {len(list(corpus.iterdir()))} files; {len(questions)} questions; indexing…", flush=True)
        started = time.perf_counter()
        subprocess.run([*rag_command(), "index"], env=env, check=True, timeout=900, stdout=subprocess.DEVNULL)
        index_s = time.perf_counter() - started
        log_path = Path(tmp) / "server.log"
        rows: list[dict] = []
        uploads: list[dict] = []
        try:
            with server(env, free_port(), log_path, start_timeout=300) as (base, start_s):
                with client(base_url=base, timeout=60) as http:
                    health = http.get("/api/health").json()
                    for q in questions[:4]:  # the first requests load code paths; not measured
                        http.post("/api/retrieve", json={"question": q, "k": args.k}).raise_for_status()
                        http.post("/api/ask", json={"question": q}).raise_for_status()
                base_documents = int(health["documents"])
                print(f"server up in {start_s:.1f} s at {base}: {json.dumps(health['index'], ensure_ascii=False)}", flush=True)
                for level, requests in zip(args.clients, per_level, strict=True):
                    level_rows, upload = run_level(base, level, requests, args.level_seconds, questions, args, base_documents)
                    rows += level_rows
                    uploads.append(upload)
                    for r in level_rows:
                        print(json.dumps(r, ensure_ascii=False), flush=True)
                    print(json.dumps(upload, ensure_ascii=False), flush=True)
        finally:
            log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
            tracebacks = log.count("Traceback (most recent call last)")
            if tracebacks:
                print(f"server log: {tracebacks} tracebacks; last lines:\n{log[-3000:]}", flush=True)

    lost = sum(r["lost"] for r in rows)
    report = {
        "machine": {
            "cores": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_1m_before": round(load_start[0], 2),
            "load_average_1m_after": round(os.getloadavg()[0], 2),
        },
        "settings": {
            "host": HOST,
            "clients": args.clients,
            "requests_per_client": per_level,
            "level_seconds": args.level_seconds,
            "request_timeout_s": args.timeout,
            "upload_timeout_s": args.upload_timeout,
            "k": args.k,
            "answer_model": settings.answer.answer_model,
            "ui_concurrency": settings.serve.ui_concurrency,
            "llm_timeout_s": settings.answer.llm_timeout,
            "threads": settings.models.threads,
        },
        "corpus": {
            "seed_files": len([p for p in (ROOT / "seeds").iterdir() if p.is_file()]),
            "drcd_articles": args.drcd_articles,
            "documents": base_documents,
            "paragraphs": health["index"].get("paragraphs"),
            "chunks": health["index"].get("chunks"),
            "questions": len(questions),
            "index_build_s": round(index_s, 1),
            "server_start_s": round(start_s, 1),
        },
        "lost_requests": lost,
        "server_log_tracebacks": tracebacks,
        "rows": rows,
        "uploads": uploads,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    print(f"\n{'clients':>7} {'route':14} {'sent':>5} {'lost':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'served/s':>9}")
    for r in rows:
        print(
            f"{r['clients']:>7} {r['route']:14} {r['sent']:>5} {r['lost']:>5} {r['p50_ms']!s:>8} {r['p95_ms']!s:>8} "
            f"{r['max_ms']!s:>8} {r['served_per_s']!s:>9}"
        )
    print(f"\n{'clients':>7} {'uploads':>8} {'errors':>7} {'deletes':>8} {'errors':>7} {'index updates':>14} {'upload p50 ms':>14}")
    for u in uploads:
        done = f"{u['index_updates_completed']}/{u['index_updates_asked']}"
        print(
            f"{u['clients']:>7} {u['uploads']:>8} {u['upload_errors']:>7} {u['deletes']:>8} {u['delete_errors']:>7} {done:>14} "
            f"{u['upload_wait_p50_ms']!s:>14}"
        )
    print(f"\nrequests lost: {lost}; server tracebacks: {tracebacks}\nwrote {args.out}")


if __name__ == "__main__":
    main()
