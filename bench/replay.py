"""Replay every recording in bench/results/recordings/ through today's citation checks.

    python bench/replay.py --out /tmp/replays            # one report per recording
    python bench/replay.py --out /tmp/b --compare /tmp/a  # ... and say where they differ

Each recording is what the local model wrote for one question sample; replaying it
scores those texts again without the model (rag eval --replay), so a change to the
checks is measured in minutes. The DRCD recordings need the DRCD corpus indexed once
(about ten minutes on 2 cores), kept under --work.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ROOT / "bench" / "results" / "recordings"
DRCD = Path(os.environ.get("RAG_DRCD", ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"))
# Question sets and the corpus each is asked against.
QUESTION_SETS: dict[str, tuple[Path, str]] = {
    "seed": (ROOT / "questions" / "seed.jsonl", "seed"),
    "drcd": (DRCD, "drcd"),
    "drcd-english": (ROOT / "questions" / "drcd-english.jsonl", "drcd"),
}
# recording name -> (question set, sample size, random seed or None for an even spread)
SAMPLES: dict[str, tuple[str, int | None, int | None]] = {
    "local-seed": ("seed", None, None),
    "local-drcd": ("drcd", 40, None),
    "local-drcd-heldout": ("drcd", 40, 2026),
    "local-drcd-heldout-2027": ("drcd", 40, 2027),
    "local-drcd-heldout-2028": ("drcd", 60, 2028),
    "local-drcd-heldout-2029": ("drcd", 40, 2029),
    "local-drcd-english": ("drcd-english", None, None),
}
# Measured per run, not part of what the checks decide.
VOLATILE = {"latency_ms_p50", "latency_ms_p95", "answer_ms", "retrieval_ms"}


def _pipelines(work: Path) -> dict[str, Any]:
    from rag.eval.scoring import write_squad_corpus
    from rag.pipeline import RAG
    from rag.settings import Settings

    drcd_corpus = work / "drcd-corpus"
    if not drcd_corpus.exists():
        write_squad_corpus(DRCD, drcd_corpus)
    seed = RAG(Settings(corpus_dir=ROOT / "seeds", index_dir=work / "seed-index"))
    drcd = RAG(Settings(corpus_dir=drcd_corpus, index_dir=work / "drcd-index"))
    return {"seed": seed, "drcd": drcd}


_LOADED: dict[str, Any] = {}  # question set -> its questions, read once per run


def replay_sample(pipelines: dict[str, Any], name: str, rules_off: frozenset[str] = frozenset(), embedder: Any = None) -> dict[str, Any]:
    """One recording's replayed report, with ``rules_off`` switched off and ``embedder``
    (default: the pipeline's) computing the verifier's vectors."""
    from rag.answer.replay import ReplayBackend, load_recording
    from rag.eval.runner import run_eval
    from rag.eval.scoring import load_questions, sample_at_random, sample_evenly

    kind, size, seed = SAMPLES[name]
    path, corpus = QUESTION_SETS[kind]
    questions = _LOADED[kind] if kind in _LOADED else _LOADED.setdefault(kind, load_questions(path))
    rows = sample_evenly(questions, size) if seed is None else sample_at_random(questions, size, seed)
    rag = pipelines[corpus]
    # Always set: a RAG_CITATION_RULES_OFF in the environment must not switch rules off here.
    settings = rag.settings.changed(**{"citation_rules_off": rules_off})
    backend = ReplayBackend(load_recording(RECORDINGS / f"{name}.json"), f"{name}.json", embedder or rag.embedder, settings)
    rag.use_backend(backend)
    return run_eval(rag, rows, answers=True, model=backend.name, progress=False)


def replay_all(work: Path, names: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each recording's replayed report, by recording name."""
    pipelines = _pipelines(work)
    return {name: replay_sample(pipelines, name) for name in names or list(SAMPLES)}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Where two replays of one recording differ, question by question."""
    out = []
    if _stable(before["answers"]) != _stable(after["answers"]):
        out.append(f"answers: {_stable(before['answers'])} -> {_stable(after['answers'])}")
    for a, b in zip(before["per_question"], after["per_question"], strict=True):
        if _stable(a) != _stable(b):
            keys = [k for k in a if _stable(a.get(k)) != _stable(b.get(k))]
            out.append(f"{a['id']}: {', '.join(keys)} differ")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the replayed reports.")
    parser.add_argument("--compare", type=Path, help="Folder of earlier replays to compare with.")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("RAG_BENCH_WORK", "~/.cache/rag-cjk/bench")).expanduser())
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    differing = 0
    for name, report in replay_all(args.work).items():
        (args.out / f"{name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        answers = report["answers"]
        precision, only_gold = answers.get("citation_precision"), answers.get("answers_citing_only_gold")
        print(f"{name}: citation precision {precision}, answers citing only gold {only_gold}")
        if args.compare and not (args.compare / f"{name}.json").exists():
            print("  (not in the earlier replays)")
        elif args.compare:
            found = differences(json.loads((args.compare / f"{name}.json").read_text(encoding="utf-8")), report)
            differing += bool(found)
            print("  identical" if not found else "\n".join(f"  {line}" for line in found))
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
