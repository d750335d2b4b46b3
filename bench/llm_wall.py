"""The physical floor of the local answer model's speed on this machine: llama.cpp in this
process (xllamacpp), the default GGUF (qwen2.5-coder-1.5b-instruct-q4_k_m), no prompt cache.

    python bench/llm_wall.py [--quick] [--out bench/results/llm_wall.json]

1. Settings, one factor at a time from the project's default (2 threads, batch 2048 /
   ubatch 512, flash attention auto, f16 KV cache, load mode auto): prefill rate on a
   ~700-token Chinese prompt, generation rate over 48 tokens (temperature 0, EOS ignored),
   wall time to the first content token, and the time to load the model.  One Server at a
   time; cache_ram_mib = 0 and every prompt starts with its own random-number line, so
   nothing is reused (each run reports cache_n).
2. Default settings: wall time to the first word against prompt length (~50..1200 tokens),
   with a least-squares line: fixed overhead + seconds per prompt token.
3. Default settings (and q8_0 KV cache): a slot's state saved to disk after a ~800-token
   prompt, restored after an unrelated prompt, then the same prefix with another question:
   state bytes per token, save / restore ms, first word with and without the restore.

Each figure is measured at least twice (min and median kept); the 2 cores are shared with
other work, so the minimum is the better estimate of the floor.  Writes the JSON to --out.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import xllamacpp

ROOT = Path(__file__).resolve().parent.parent
MODEL = Path("/root/.cache/rag-cjk/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf")
SEEDS = Path("/work/shared/seeds")
GT = xllamacpp.ggml_type
FA = xllamacpp.llama_flash_attn_type
LM = xllamacpp.llama_load_mode

DEFAULT = {
    "threads": 2,
    "n_batch": 2048,
    "n_ubatch": 512,
    "flash_attn_type": -1,
    "cache_type_k": "f16",
    "cache_type_v": "f16",
    "load_mode": -1,
    "poll": 50,
}
KV_TYPES = {"f16": GT.GGML_TYPE_F16, "q8_0": GT.GGML_TYPE_Q8_0, "q4_0": GT.GGML_TYPE_Q4_0}

# name, changes from DEFAULT, probe first in a child process (may abort the process)
CONFIGS = [
    ("default", {}, False),
    ("threads_1", {"threads": 1}, False),
    ("batch_512_512", {"n_batch": 512, "n_ubatch": 512}, False),
    ("batch_256_256", {"n_batch": 256, "n_ubatch": 256}, False),
    ("batch_128_128", {"n_batch": 128, "n_ubatch": 128}, False),
    ("flash_off", {"flash_attn_type": 0}, False),
    ("flash_on", {"flash_attn_type": 1}, False),
    ("kv_q8_0", {"cache_type_k": "q8_0", "cache_type_v": "q8_0"}, True),
    ("kv_q8_0_flash_off", {"cache_type_k": "q8_0", "cache_type_v": "q8_0", "flash_attn_type": 0}, True),
    ("kv_k_q8_0_flash_off", {"cache_type_k": "q8_0", "flash_attn_type": 0}, True),
    ("load_no_mmap", {"load_mode": int(LM.LLAMA_LOAD_MODE_NONE)}, False),
    ("load_mmap_mlock", {"load_mode": int(LM.LLAMA_LOAD_MODE_MMAP_MLOCK)}, True),
    ("poll_0", {"poll": 0}, False),
]
QUICK_CONFIGS = {"default", "threads_1", "batch_128_128", "flash_off", "kv_q8_0"}


# ---------------------------------------------------------------- server


def make_params(cfg: dict, slot_dir: str | None = None):
    p = xllamacpp.CommonParams()
    p.model.path = str(MODEL)
    p.n_ctx = 4096
    p.n_parallel = 1
    p.cache_ram_mib = 0
    p.cpuparams.n_threads = cfg["threads"]
    p.cpuparams_batch.n_threads = cfg["threads"]
    p.cpuparams.poll = cfg["poll"]
    p.cpuparams_batch.poll = cfg["poll"]
    p.n_batch = cfg["n_batch"]
    p.n_ubatch = cfg["n_ubatch"]
    p.flash_attn_type = FA(cfg["flash_attn_type"])
    p.cache_type_k = KV_TYPES[cfg["cache_type_k"]]
    p.cache_type_v = KV_TYPES[cfg["cache_type_v"]]
    p.load_mode = LM(cfg["load_mode"])
    p.sampling.temp = 0.0
    p.sampling.penalty_repeat = 1.1
    p.verbosity = 0
    p.hostnames = ["127.0.0.1"]
    p.port = 0
    if slot_dir:
        p.endpoint_slots = True
        p.slot_save_path = os.path.join(slot_dir, "")  # llama.cpp appends the file name without a separator
    return p


def read_back(p) -> dict:
    return {
        "threads": p.cpuparams.n_threads,
        "threads_batch": p.cpuparams_batch.n_threads,
        "n_batch": p.n_batch,
        "n_ubatch": p.n_ubatch,
        "flash_attn_type": int(p.flash_attn_type),
        "cache_type_k": GT(p.cache_type_k).name,
        "cache_type_v": GT(p.cache_type_v).name,
        "load_mode": LM(p.load_mode).name,
        "poll": p.cpuparams.poll,
        "cache_ram_mib": p.cache_ram_mib,
    }


def _reading(result: dict) -> dict:
    """What llama.cpp reported of one chat's prompt, and the wall time to its first word."""
    t = result["timings"] or {}
    return {"prompt_n": t.get("prompt_n"), "cache_n": t.get("cache_n"), "prompt_ms": t.get("prompt_ms"), "first_word_s": result["first"]}


def probe(cfg: dict) -> tuple[bool, str]:
    """Load the settings in a child process first: a failed load there cannot abort this one."""
    code = (
        f"import json,sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import llm_wall as w; "
        "s = w.xllamacpp.Server(w.make_params(json.loads(sys.argv[1]))); "
        "r = w.chat(s, [{'role':'user','content':'你好'}], 4); print('PROBE', json.dumps(r['timings'] is not None))"
    )
    try:
        out = subprocess.run([sys.executable, "-c", code, json.dumps(cfg)], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return False, "timeout"
    ok = out.returncode == 0 and "PROBE true" in out.stdout
    tail = (out.stderr.strip().splitlines() or [""])[-6:]
    return ok, "" if ok else f"rc={out.returncode}: " + " | ".join(tail)


def load(cfg: dict, slot_dir: str | None = None):
    t0 = time.monotonic()
    s = xllamacpp.Server(make_params(cfg, slot_dir))
    return s, time.monotonic() - t0


def chat(server, messages, max_tokens: int, ignore_eos: bool = False) -> dict:
    t0 = time.monotonic()
    c0 = time.process_time()
    state: dict = {"first": None, "text": "", "timings": None, "error": None}

    def cb(chunk):
        if isinstance(chunk, str):
            try:
                chunk = json.loads(chunk)
            except ValueError:
                return False
        if not isinstance(chunk, dict):
            return False
        if "error" in chunk:
            state["error"] = chunk["error"]
        for ch in chunk.get("choices") or []:
            d = (ch.get("delta") or {}).get("content")
            if d:
                if state["first"] is None:
                    state["first"] = time.monotonic() - t0
                state["text"] += d
        if chunk.get("timings"):
            state["timings"] = chunk["timings"]
        return False

    req = {
        "messages": messages,
        "max_tokens": max_tokens,
        "temperature": 0.0,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if ignore_eos:
        req["ignore_eos"] = True
    server.handle_chat_completions(req, cb)
    state["wall"] = time.monotonic() - t0
    # cores this process got while the request ran (2 = both cores to itself; less: shared with other work)
    state["cores_used"] = round((time.process_time() - c0) / state["wall"], 2) if state["wall"] > 0 else None
    state["loadavg_1m"] = os.getloadavg()[0]
    if state["error"] is not None:
        raise RuntimeError(f"chat error: {state['error']}")
    return state


# ---------------------------------------------------------------- prompts

_rng = random.Random()


def seed_text() -> str:
    texts = [f.read_text(encoding="utf-8") for f in sorted(SEEDS.glob("*")) if f.is_file()]
    text = "\n".join(t.strip() for t in texts)
    return text


class Prompts:
    """Chinese context of about n tokens (content measured with the server's /tokenize)."""

    def __init__(self, server, text: str):
        self.text = text
        n = self._count(server, text)
        self.chars_per_token = len(text) / n if n else 1.3
        self.text_tokens = n
        while self.text_tokens and self.text_tokens < 1400:  # too short for the longest prompt: repeat it
            self.text = self.text + "\n" + text
            self.text_tokens += n

    @staticmethod
    def _count(server, text: str) -> int | None:
        try:
            with httpx.Client(trust_env=False, timeout=60) as c:
                r = c.post(f"{server.listening_address}/tokenize", json={"content": text})
                r.raise_for_status()
                return len(r.json()["tokens"])
        except Exception:
            return None

    def context(self, n_tokens: int) -> str:
        return self.text[: max(1, int(n_tokens * self.chars_per_token))]

    def messages(self, n_tokens: int, question: str, fixed_head: str | None = None) -> list[dict]:
        """System line (a fresh random number unless fixed_head) + ~n_tokens in all."""
        head = fixed_head if fixed_head is not None else f"{_rng.randrange(10**12):012d}"
        overhead = 56  # chat template, system line, instruction, question (measured: ~50-tok body gave prompt_n 74)
        body = self.context(max(1, n_tokens - overhead))
        return [
            {"role": "system", "content": f"{head}\n你是助理，根據資料回答。"},
            {"role": "user", "content": f"根據以下資料回答問題。\n\n[1]\n{body}\n\n問題：{question}"},
        ]


def stats(values: list[float]) -> dict:
    v = [x for x in values if x is not None]
    if not v:
        return {"min": None, "median": None, "n": 0}
    return {"min": round(min(v), 4), "median": round(statistics.median(v), 4), "n": len(v), "all": [round(x, 4) for x in v]}


def best(values: list[float]) -> dict:
    """For rates: the max is the best (least disturbed) run; still report min and median."""
    v = [x for x in values if x is not None]
    if not v:
        return {"max": None, "median": None, "min": None, "n": 0}
    return {
        "max": round(max(v), 2),
        "median": round(statistics.median(v), 2),
        "min": round(min(v), 2),
        "n": len(v),
        "all": [round(x, 2) for x in v],
    }


def warm(server):
    chat(server, [{"role": "system", "content": str(_rng.random())}, {"role": "user", "content": "你好"}], 4)


# ---------------------------------------------------------------- part 1


def part_configs(prompts_text: str, quick: bool, repeats: int) -> tuple[list[dict], Prompts | None]:
    rows = []
    prompts = None
    for name, change, risky in CONFIGS:
        if quick and name not in QUICK_CONFIGS:
            continue
        cfg = {**DEFAULT, **change}
        row: dict = {"name": name, "change": change}
        print(f"[config] {name} {change}", flush=True)
        if risky:
            ok, why = probe(cfg)
            row["probe_ok"] = ok
            if not ok:
                row["error"] = f"failed to load/run in a child process: {why}"
                print(f"  FAILED: {why}", flush=True)
                rows.append(row)
                continue
        try:
            server, load_s = load(cfg)
        except Exception as exc:  # noqa: BLE001
            row["error"] = f"Server() raised: {exc!r}"
            print(f"  FAILED: {exc!r}", flush=True)
            rows.append(row)
            gc.collect()
            continue
        row["load_s"] = round(load_s, 3)
        row["params"] = read_back(make_params(cfg))
        try:
            if prompts is None:
                prompts = Prompts(server, prompts_text)
            warm(server)
            runs = []
            for _ in range(repeats):
                r = chat(server, prompts.messages(700, "請詳細說明這篇文章的內容。"), 48, ignore_eos=True)
                t = r["timings"] or {}
                runs.append(
                    {
                        "prompt_n": t.get("prompt_n"),
                        "cache_n": t.get("cache_n"),
                        "prompt_ms": t.get("prompt_ms"),
                        "prompt_per_second": t.get("prompt_per_second"),
                        "predicted_n": t.get("predicted_n"),
                        "predicted_per_second": t.get("predicted_per_second"),
                        "first_word_s": r["first"],
                        "wall_s": r["wall"],
                        "cores_used": r["cores_used"],
                        "loadavg_1m": r["loadavg_1m"],
                    }
                )
            row["runs"] = runs
            row["prefill_tps"] = best([x["prompt_per_second"] for x in runs])
            row["gen_tps"] = best([x["predicted_per_second"] for x in runs])
            row["first_word_s"] = stats([x["first_word_s"] for x in runs])
            row["max_cache_n"] = max((x["cache_n"] or 0) for x in runs)
            print(
                f"  load {load_s:.1f}s prefill {row['prefill_tps']['max']} tok/s gen {row['gen_tps']['max']} tok/s "
                f"first {row['first_word_s']['min']}s prompt_n {runs[0]['prompt_n']} cache_n<={row['max_cache_n']}",
                flush=True,
            )
        except Exception as exc:  # noqa: BLE001
            row["error"] = f"run failed: {exc!r}"
            print(f"  FAILED: {exc!r}", flush=True)
        del server
        gc.collect()
        rows.append(row)
    return rows, prompts


# ---------------------------------------------------------------- part 2


def fit(points: list[tuple[float, float]]) -> dict:
    n = len(points)
    if n < 2:
        return {}
    mx = sum(p[0] for p in points) / n
    my = sum(p[1] for p in points) / n
    sxx = sum((p[0] - mx) ** 2 for p in points)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in points)
    b = sxy / sxx if sxx else 0.0
    a = my - b * mx
    ss_res = sum((p[1] - (a + b * p[0])) ** 2 for p in points)
    ss_tot = sum((p[1] - my) ** 2 for p in points)
    return {
        "seconds_per_token": round(b, 6),
        "ms_per_token": round(b * 1000, 3),
        "tokens_per_second": round(1 / b, 1) if b > 0 else None,
        "fixed_overhead_s": round(a, 4),
        "r2": round(1 - ss_res / ss_tot, 4) if ss_tot else None,
        "n_points": n,
    }


def part_lengths(prompts: Prompts, quick: bool, repeats: int) -> dict:
    lengths = [50, 200, 800] if quick else [50, 100, 200, 400, 800, 1200]
    print("[first word vs prompt length] default settings", flush=True)
    server, load_s = load(DEFAULT)
    warm(server)
    rows = []
    for n in lengths:
        for rep in range(repeats):
            r = chat(server, prompts.messages(n, "這篇文章在說什麼？請簡短回答。"), 4)
            t = r["timings"] or {}
            rows.append(
                {
                    "target": n,
                    "repeat": rep,
                    "prompt_n": t.get("prompt_n"),
                    "cache_n": t.get("cache_n"),
                    "prompt_ms": t.get("prompt_ms"),
                    "prompt_per_second": t.get("prompt_per_second"),
                    "first_word_s": r["first"],
                    "cores_used": r["cores_used"],
                    "loadavg_1m": r["loadavg_1m"],
                }
            )
            print(
                f"  target {n}: prompt_n {t.get('prompt_n')} cache_n {t.get('cache_n')} first {r['first']:.3f}s "
                f"cores {r['cores_used']} load {r['loadavg_1m']:.2f}",
                flush=True,
            )
    del server
    gc.collect()
    pts = [(x["prompt_n"], x["first_word_s"]) for x in rows if x["prompt_n"] and x["first_word_s"] is not None]
    # min per target as well: the floor
    by_target = {}
    for n in lengths:
        sel = [x for x in rows if x["target"] == n and x["first_word_s"] is not None]
        if sel:
            by_target[str(n)] = {
                "prompt_n": sel[0]["prompt_n"],
                "first_word_s": stats([x["first_word_s"] for x in sel]),
                "prompt_ms": stats([x["prompt_ms"] for x in sel]),
            }
    mins = [(v["prompt_n"], v["first_word_s"]["min"]) for v in by_target.values()]
    # overhead beyond llama.cpp's own prompt timing: wall first word minus prompt_ms
    extra = [x["first_word_s"] - x["prompt_ms"] / 1000 for x in rows if x["prompt_ms"] is not None and x["first_word_s"] is not None]
    return {
        "load_s": round(load_s, 3),
        "runs": rows,
        "by_target": by_target,
        "fit_all_runs": fit(pts),
        "fit_min_per_length": fit(mins),
        "wall_minus_prompt_ms_s": stats(extra),
    }


# ---------------------------------------------------------------- part 3


def part_state(prompts: Prompts, kv: str, repeats: int) -> dict:
    cfg = {**DEFAULT, "cache_type_k": kv, "cache_type_v": kv}
    print(f"[slot save/restore] kv {kv}", flush=True)
    slot_dir = tempfile.mkdtemp(prefix="llm_wall_slots_")
    out: dict = {"kv": kv, "slot_dir": slot_dir}
    try:
        server, load_s = load(cfg, slot_dir)
    except Exception as exc:  # noqa: BLE001
        out["error"] = f"Server() raised: {exc!r}"
        return out
    out["load_s"] = round(load_s, 3)
    base = server.listening_address
    assert base.startswith("http://127.0.0.1"), base
    warm(server)
    cycles = []
    with httpx.Client(trust_env=False, timeout=120) as http:
        for rep in range(repeats):
            head = f"{_rng.randrange(10**12):012d}"
            fname = f"x{rep}.bin"
            c: dict = {"file": fname}
            a = chat(server, prompts.messages(800, "這篇文章在說什麼？請簡短回答。", fixed_head=head), 8)
            c["cold"] = {**_reading(a), "cores_used": a["cores_used"]}

            t0 = time.monotonic()
            r = http.post(f"{base}/slots/0?action=save", json={"filename": fname})
            c["save_wall_ms"] = round((time.monotonic() - t0) * 1000, 2)
            c["save_status"] = r.status_code
            sj = r.json() if r.headers.get("content-type", "").startswith("application/json") else {"text": r.text[:300]}
            c["save_response"] = sj
            path = Path(slot_dir) / fname
            size = path.stat().st_size if path.exists() else None
            n_saved = sj.get("n_saved")
            c["file_bytes"] = size
            c["n_saved"] = n_saved
            c["bytes_per_token"] = round(size / n_saved, 1) if size and n_saved else None

            o = chat(server, [{"role": "system", "content": str(_rng.random())}, {"role": "user", "content": "Hello, what is 2+2?"}], 8)
            c["unrelated_prompt_n"] = (o["timings"] or {}).get("prompt_n")

            t0 = time.monotonic()
            r = http.post(f"{base}/slots/0?action=restore", json={"filename": fname})
            c["restore_wall_ms"] = round((time.monotonic() - t0) * 1000, 2)
            c["restore_status"] = r.status_code
            c["restore_response"] = r.json() if r.headers.get("content-type", "").startswith("application/json") else {"text": r.text[:300]}

            b = chat(server, prompts.messages(800, "誰參加了這次演練？請簡短回答。", fixed_head=head), 8)
            # prompt_n counts only the tokens read now; cache_n the ones taken from the restored state
            c["after_restore"] = _reading(b)
            print(
                f"  rep {rep}: state {size} B / {n_saved} tok = {c['bytes_per_token']} B/tok; save {c['save_wall_ms']} ms, "
                f"restore {c['restore_wall_ms']} ms; first word cold {a['first']:.3f}s, after restore {b['first']:.3f}s "
                f"(cache_n {c['after_restore']['cache_n']}, new prompt_n {c['after_restore']['prompt_n']}; cores {a['cores_used']})",
                flush=True,
            )
            cycles.append(c)
    del server
    gc.collect()
    out["cycles"] = cycles

    def srv(c, key, field):
        return ((c.get(key) or {}).get("timings") or {}).get(field)

    out["summary"] = {
        "bytes_per_token": stats([c["bytes_per_token"] for c in cycles]),
        "file_bytes": stats([c["file_bytes"] for c in cycles]),
        "save_wall_ms": stats([c["save_wall_ms"] for c in cycles]),
        "save_server_ms": stats([srv(c, "save_response", "save_ms") for c in cycles]),
        "restore_wall_ms": stats([c["restore_wall_ms"] for c in cycles]),
        "restore_server_ms": stats([srv(c, "restore_response", "restore_ms") for c in cycles]),
        "first_word_cold_s": stats([c["cold"]["first_word_s"] for c in cycles]),
        "first_word_after_restore_s": stats([c["after_restore"]["first_word_s"] for c in cycles]),
        "cache_n_after_restore": [c["after_restore"]["cache_n"] for c in cycles],
        "new_prompt_n_after_restore": [c["after_restore"]["prompt_n"] for c in cycles],
        "cold_prompt_n": [c["cold"]["prompt_n"] for c in cycles],
    }
    return out


# ---------------------------------------------------------------- main


def machine() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = len(os.sched_getaffinity(0))
    except AttributeError:
        nproc = os.cpu_count()
    return {"nproc": nproc, "cpu_count": os.cpu_count(), "cpu_model": model, "system_info": xllamacpp.get_system_info().strip()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer settings and prompt lengths")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "llm_wall.json"))
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument(
        "--wait-idle", type=float, default=0, help="first wait up to this many seconds for the 1-minute load average to fall below 0.8"
    )
    args = ap.parse_args()
    repeats = max(2, args.repeats)
    waited = 0.0
    while args.wait_idle and waited < args.wait_idle and os.getloadavg()[0] >= 0.8:
        time.sleep(10)
        waited += 10

    t_start = time.monotonic()
    result: dict = {
        "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average_start": os.getloadavg(),
        "waited_for_idle_s": waited,
        "note": "Shared machine: its 2 cores run other work too, so figures vary; each is measured at least twice and "
        "min/median (rates: max/median/min) are kept -- the best run is the nearest to the physical floor.",
        "model": str(MODEL),
        "xllamacpp": getattr(xllamacpp, "__version__", None) or "2026.10.11549",
        "default": DEFAULT,
        "common": {"n_ctx": 4096, "n_parallel": 1, "cache_ram_mib": 0, "temperature": 0.0, "repeat_penalty": 1.1},
        "quick": args.quick,
        "repeats": repeats,
    }
    text = seed_text()
    rows, prompts = part_configs(text, args.quick, repeats)
    result["configs"] = rows
    if prompts is None:
        raise SystemExit("no configuration loaded")
    result["prompt_text"] = {"chars_per_token": round(prompts.chars_per_token, 3), "seed_tokens": prompts.text_tokens}
    result["first_word_vs_length"] = part_lengths(prompts, args.quick, repeats)
    states = [part_state(prompts, "f16", repeats)]
    q8 = next((r for r in rows if r["name"] == "kv_q8_0"), None)
    if q8 is None or "error" not in q8:
        states.append(part_state(prompts, "q8_0", repeats))
    result["slot_state"] = states
    result["load_average_end"] = os.getloadavg()
    result["total_s"] = round(time.monotonic() - t_start, 1)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    # ------------------------------------------------------------ summary
    print()
    print(f"machine: {result['machine']['nproc']} cores, {result['machine']['cpu_model']} (shared); total {result['total_s']} s")
    print(
        f"{'config':<22}{'load s':>8}{'prefill t/s':>13}{'(med)':>8}{'gen t/s':>9}{'(med)':>8}"
        f"{'1st word s':>12}{'prompt_n':>10}{'cache_n':>9}{'cores':>7}"
    )
    d = next((r for r in rows if r["name"] == "default" and "error" not in r), None)
    for r in rows:
        if "error" in r:
            print(f"{r['name']:<22}  FAILED: {r['error'][:90]}")
            continue
        print(
            f"{r['name']:<22}{r['load_s']:>8.2f}{r['prefill_tps']['max']:>13.1f}{r['prefill_tps']['median']:>8.1f}"
            f"{r['gen_tps']['max']:>9.2f}{r['gen_tps']['median']:>8.2f}{r['first_word_s']['min']:>12.3f}"
            f"{r['runs'][0]['prompt_n']:>10}{r['max_cache_n']:>9}{max(x['cores_used'] or 0 for x in r['runs']):>7.2f}"
        )
    if d:
        print(
            "relative to default (best runs): "
            + ", ".join(
                f"{r['name']} prefill {r['prefill_tps']['max'] / d['prefill_tps']['max']:.2f}x"
                f" gen {r['gen_tps']['max'] / d['gen_tps']['max']:.2f}x"
                for r in rows
                if "error" not in r and r is not d
            )
        )
    fl = result["first_word_vs_length"]
    print()
    print("first word vs prompt length (default settings):")
    for k, v in fl["by_target"].items():
        print(
            f"  ~{k:>5} tok: prompt_n {v['prompt_n']:>5}  first word min {v['first_word_s']['min']:.3f}s"
            f"  median {v['first_word_s']['median']:.3f}s"
        )
    f_all, f_min = fl["fit_all_runs"], fl["fit_min_per_length"]
    print(
        f"  fit (all runs): {f_all.get('ms_per_token')} ms/token (~{f_all.get('tokens_per_second')} tok/s)"
        f" + {f_all.get('fixed_overhead_s')} s fixed, r2 {f_all.get('r2')}"
    )
    print(
        f"  fit (min/len) : {f_min.get('ms_per_token')} ms/token (~{f_min.get('tokens_per_second')} tok/s)"
        f" + {f_min.get('fixed_overhead_s')} s fixed, r2 {f_min.get('r2')}"
    )
    print()
    print("slot state save/restore (~800-token prompt):")
    for s in states:
        if "error" in s:
            print(f"  {s['kv']}: FAILED {s['error']}")
            continue
        m = s["summary"]
        print(
            f"  {s['kv']:<5} {m['bytes_per_token']['min']} B/tok ({m['file_bytes']['min']} B); save {m['save_wall_ms']['min']} ms, "
            f"restore {m['restore_wall_ms']['min']} ms (server {m['restore_server_ms']['min']} ms); first word cold "
            f"{m['first_word_cold_s']['min']}s, after restore {m['first_word_after_restore_s']['min']}s "
            f"(cache_n {m['cache_n_after_restore']}, new tokens {m['new_prompt_n_after_restore']}; cold prompt_n {m['cold_prompt_n']})"
        )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
