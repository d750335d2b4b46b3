"""llama.cpp settings for the local model on this machine: prompt reading (prefill) and
writing (generation) speed for each setting, all in one run.

    python bench/llama_tuning.py                       # every setting below, 6 prompts each
    python bench/llama_tuning.py --prompts 3 --only base ubatch-256

Prompts are real: the seed questions with the seed article's paragraphs as numbered
sources (rag.answer.prompts.build_messages), one paragraph (a clear match read alone,
about 300 tokens) and five (about 1,000), the way `local` asks. Each setting loads the
model afresh in this process (xllamacpp), answers one warm-up prompt, then every prompt
with llama.cpp's prompt cache off, so each reading starts from nothing. Reported per
setting: prefill tokens/s and generation tokens/s (llama.cpp's own timings), p50 of the
time to read the prompt for each size. Writes bench/results/llama_tuning.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# name -> CommonParams fields changed from what `rag` sets (rag.models.llama.llama_params)
SETTINGS: dict[str, dict[str, object]] = {
    "base": {},
    "ubatch-128": {"n_ubatch": 128, "n_batch": 128},
    "ubatch-256": {"n_ubatch": 256, "n_batch": 256},
    "ubatch-1024": {"n_ubatch": 1024, "n_batch": 1024},
    "flash-attn-off": {"flash_attn_type": 0},
    "flash-attn-on": {"flash_attn_type": 1},
    "no-repack": {"no_extra_bufts": True},
    "poll-0": {"cpuparams.poll": 0, "cpuparams_batch.poll": 0},
    "threads-1": {"cpuparams.n_threads": 1, "cpuparams_batch.n_threads": 1},
    "kv-q8": {"cache_type_k": 8, "cache_type_v": 8, "flash_attn_type": 1},
}


def prompts(count: int) -> list[tuple[str, list[dict[str, str]]]]:
    from rag.answer.prompts import build_messages
    from rag.text.language import detect_language
    from rag.types import Passage

    text = next((ROOT / "seeds").glob("*.txt")).read_text(encoding="utf-8")
    paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 80]
    questions = [json.loads(line) for line in (ROOT / "questions" / "seed.jsonl").read_text(encoding="utf-8").splitlines()]
    questions = [q for q in questions if q["lang"] == "zh-Hant"][:count]

    def passage(i: int, rank: int) -> Passage:
        p = paragraphs[i % len(paragraphs)]
        return Passage(
            paragraph_id=f"seed#p{i}", doc_id="seed", score=1.0, text=p, start=0, end=len(p), match_start=0, match_end=len(p), rank=rank
        )

    out = []
    for n, q in enumerate(questions):
        lang = detect_language(q["question"])
        out.append(("one", build_messages(q["question"], [passage(n, 1)], lang)))
        out.append(("five", build_messages(q["question"], [passage(n + j, j + 1) for j in range(5)], lang)))
    return out


def apply(params, changes: dict[str, object]) -> None:
    for dotted, value in changes.items():
        target = params
        *path, last = dotted.split(".")
        for part in path:
            target = getattr(target, part)
        setattr(target, last, value)


def measure(name: str, changes: dict[str, object], asks: list[tuple[str, list[dict[str, str]]]]) -> dict:
    from rag.models.llama import llama_params, model_path
    from rag.settings import Settings

    settings = Settings()
    xllamacpp, params = llama_params(model_path(settings), settings)
    apply(params, changes)
    started = time.perf_counter()
    server = xllamacpp.Server(params)
    url = server.listening_address.rstrip("/")
    load_s = time.perf_counter() - started
    rows = []
    with httpx.Client(timeout=300) as client:
        for i, (size, messages) in enumerate([asks[0], *asks]):
            body = {"messages": messages, "max_tokens": 48, "temperature": 0, "cache_prompt": False}
            reply = client.post(f"{url}/v1/chat/completions", json=body).json()
            t = reply["timings"]
            if i > 0:  # the first is the warm-up
                rows.append(
                    {
                        "size": size,
                        "prompt_n": t["prompt_n"],
                        "prompt_ms": t["prompt_ms"],
                        "gen_n": t["predicted_n"],
                        "gen_ms": t["predicted_ms"],
                    }
                )
    del server
    out: dict = {"setting": name, "changes": changes, "load_s": round(load_s, 1)}
    prompt_n = sum(r["prompt_n"] for r in rows)
    out["prefill_tokens_per_s"] = round(prompt_n / (sum(r["prompt_ms"] for r in rows) / 1000), 1)
    out["generation_tokens_per_s"] = round(sum(r["gen_n"] for r in rows) / (sum(r["gen_ms"] for r in rows) / 1000), 1)
    for size in ("one", "five"):
        mine = [r for r in rows if r["size"] == size]
        out[f"{size}_prompt_tokens_mean"] = round(float(np.mean([r["prompt_n"] for r in mine])), 1)
        out[f"{size}_prefill_ms_p50"] = round(float(np.median([r["prompt_ms"] for r in mine])), 1)
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompts", type=int, default=6, help="seed questions asked with one and with five sources")
    parser.add_argument("--only", nargs="*", choices=list(SETTINGS), help="settings to measure (default: all)")
    parser.add_argument("--gguf", nargs="*", default=[], metavar="LABEL=PATH", help="also measure another file of the model")
    parser.add_argument("--out", type=Path, default=RESULTS / "llama_tuning.json")
    args = parser.parse_args()
    asks = prompts(args.prompts)
    runs = [(name, SETTINGS[name]) for name in (args.only if args.only is not None else SETTINGS)]
    runs += [(label, {"model.path": path}) for label, path in (g.split("=", 1) for g in args.gguf)]
    rows = [measure(name, changes, asks) for name, changes in runs]
    args.out.write_text(json.dumps({"machine": {"cores": 2}, "rows": rows}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
