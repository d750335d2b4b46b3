"""How often does an answer claim its sources disagree when they don't? Extractive answers to
300 answerable DRCD dev questions (`--seed 2073`) on the DRCD dev library (bench/open_corpus.py,
indexed at /tmp/gen/open-index), counting the answers with a disagreement note
(rag.answer.disagreement). Writes bench/results/disagreement-notes-drcd-2073.json.

    python bench/open_corpus.py --out /tmp/gen/open-corpus
    RAG_CORPUS_DIR=/tmp/gen/open-corpus RAG_INDEX_DIR=/tmp/gen/open-index rag index
    python bench/disagreement_notes.py
"""

from __future__ import annotations

import json
from pathlib import Path

from rag.answer.disagreement import NOTE
from rag.eval.scoring import load_drcd, sample_at_random
from rag.pipeline import RAG
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DRCD = ROOT.parent / "shared" / "data" / "drcd" / "DRCD_dev.json"


def main() -> None:
    rag = RAG(Settings(corpus_dir=Path("/tmp/gen/open-corpus"), index_dir=Path("/tmp/gen/open-index")))
    questions = sample_at_random([q for q in load_drcd(DRCD).questions if not q.unanswerable], 300, 2073)
    noted = []
    for q in questions:
        answer = rag.ask(q.question, model="extractive")
        if any(note in answer.text for note in NOTE.values()):
            noted.append({"question": q.question, "answers": q.answers, "answer": answer.text})
    out = {"sample": "DRCD dev --seed 2073, 300 answerable questions, open library", "questions": len(questions), "noted": len(noted)}
    out["notes"] = noted
    (ROOT / "bench" / "results" / "disagreement-notes-drcd-2073.json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    print(f"{len(noted)} of {len(questions)} answers say their sources disagree")


if __name__ == "__main__":
    main()
