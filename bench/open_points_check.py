"""Check the open-question sets (questions/open-*.jsonl) against their sources.

For every file given on the command line:

1. every gold_text is a verbatim substring of a paragraph of its source
   (a DRCD dev article, or the seed article split on blank lines), 10-40 chars;
2. coverage of the concatenated source paragraphs holding the gold_text
   must be 1.0 for every question;
3. coverage of a DIFFERENT article must be near 0: for each question the text of
   the next question's article (first following question, cyclically, whose doc
   differs) is scored, and the mean must be <= 0.05.  As a second figure the mean
   coverage over every other article of the library (all DRCD dev articles plus
   the seed) is reported and must also be <= 0.05;
4. counts per kind and per language are printed.

Coverage = share of a question's points with at least one wording found, as a
substring, in the folded text.  Folding = OpenCC t2s, lowercase, no whitespace;
wordings are folded the same way.

Standard library + opencc only.  Exits 1 on any failure.

    python bench/open_points_check.py questions/open-dev.jsonl questions/open-heldout.jsonl
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import sys
from pathlib import Path

import opencc

DRCD_DEFAULT = "/work/shared/data/drcd/DRCD_dev.json"
SEED_DEFAULT = "/work/shared/seeds/000_4d695214e84dccad.txt"
KINDS = ("overview", "why", "how", "list", "compare", "timeline", "summary")
LANGS = ("zh-Hant", "zh-Hans", "en")
OTHER_MAX = 0.05

_cc = opencc.OpenCC("t2s")
_ws = re.compile(r"\s+")


def fold(text: str) -> str:
    return _ws.sub("", _cc.convert(text).lower())


def coverage(points: list[list[str]], folded_text: str) -> float:
    hit = sum(1 for p in points if any(fold(w) in folded_text for w in p))
    return hit / len(points)


def load_sources(drcd_path: str, seed_path: str) -> dict[str, list[str]]:
    """doc name -> list of paragraphs."""
    data = json.loads(Path(drcd_path).read_text(encoding="utf-8"))["data"]
    docs = {a["title"]: [p["context"] for p in a["paragraphs"]] for a in data}
    seed = Path(seed_path).read_text(encoding="utf-8")
    docs["seed"] = [p.strip() for p in re.split(r"\n\s*\n", seed) if p.strip()]
    return docs


def check_file(path: str, docs: dict[str, list[str]], folded_docs: dict[str, str], verbose: bool = False) -> tuple[bool, set[str]]:
    ok = True
    errors: list[str] = []
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = collections.Counter(r.get("id") for r in rows)
    for i, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {i}")

    src_cov: list[float] = []
    next_cov: list[float] = []
    lib_cov: list[float] = []
    kinds = collections.Counter()
    langs = collections.Counter()
    kind_lang = collections.Counter()
    per_doc = collections.Counter()

    for k, r in enumerate(rows):
        qid = r.get("id", f"#{k}")
        for field in ("id", "lang", "kind", "question", "doc", "gold_text", "points"):
            if field not in r:
                errors.append(f"{qid}: missing field {field}")
        if any(f not in r for f in ("doc", "gold_text", "points")):
            continue
        kinds[r["kind"]] += 1
        langs[r["lang"]] += 1
        kind_lang[(r["kind"], r["lang"])] += 1
        per_doc[r["doc"]] += 1
        if r["kind"] not in KINDS:
            errors.append(f"{qid}: unknown kind {r['kind']}")
        if r["lang"] not in LANGS:
            errors.append(f"{qid}: unknown lang {r['lang']}")
        doc = r["doc"]
        if doc not in docs:
            errors.append(f"{qid}: unknown doc {doc!r}")
            continue
        if doc != "seed" and len(docs[doc]) < 3:
            errors.append(f"{qid}: doc {doc} has fewer than 3 paragraphs")
        pts = r["points"]
        if not (2 <= len(pts) <= 5) or not all(isinstance(p, list) and p for p in pts):
            errors.append(f"{qid}: needs 2-5 non-empty points, has {len(pts)}")
            continue
        if r["lang"] == "en":
            for p in pts:
                if not any(w.isascii() for w in p):
                    errors.append(f"{qid}: English question, point {p} has no English/ASCII wording")
        # (1) gold_text verbatim, one paragraph each
        paras: list[int] = []
        for g in r["gold_text"]:
            if not (10 <= len(g) <= 40):
                errors.append(f"{qid}: gold_text length {len(g)} not in 10-40: {g!r}")
            where = [j for j, p in enumerate(docs[doc]) if g in p]
            if not where:
                errors.append(f"{qid}: gold_text not found verbatim in {doc}: {g!r}")
                continue
            if where[0] in paras:
                errors.append(f"{qid}: two gold_text snippets from the same paragraph {where[0]}")
            paras.append(where[0])
        if not paras:
            errors.append(f"{qid}: no gold paragraph")
            continue
        # (2) coverage of the gold paragraphs
        text = fold("\n".join(docs[doc][j] for j in sorted(set(paras))))
        c = coverage(pts, text)
        src_cov.append(c)
        if c < 1.0:
            missing = [p for p in pts if not any(fold(w) in text for w in p)]
            errors.append(f"{qid}: source coverage {c:.2f}, missing {missing}")
        # (3a) the next question's (different) article
        other = None
        for step in range(1, len(rows) + 1):
            cand = rows[(k + step) % len(rows)].get("doc")
            if cand != doc and cand in folded_docs:
                other = cand
                break
        if other is None:  # single-doc file: fall back to any other article
            other = next(d for d in folded_docs if d != doc)
        next_cov.append(coverage(pts, folded_docs[other]))
        if verbose and next_cov[-1] > 0:
            hits = [p for p in pts if any(fold(w) in folded_docs[other] for w in p)]
            print(f"  {qid}: next article {other} covers {next_cov[-1]:.2f}: {hits}")
        # (3b) every other article of the library
        covs = [coverage(pts, t) for d, t in folded_docs.items() if d != doc]
        lib_cov.append(sum(covs) / len(covs))
        if verbose:
            for p in pts:
                n_docs = sum(1 for d, t in folded_docs.items() if d != doc and any(fold(w) in t for w in p))
                if n_docs >= 5:
                    print(f"  {qid}: point {p} found in {n_docs} other library articles")

    n = len(rows)

    def mean(xs):
        return sum(xs) / len(xs) if xs else 0.0

    print(f"== {path}: {n} questions, {len(per_doc)} articles")
    print("articles:", ", ".join(f"{d} ({c})" for d, c in per_doc.items()))
    print("kind:", ", ".join(f"{k} {kinds[k]}" for k in KINDS))
    print("lang:", ", ".join(f"{lang} {langs[lang]}" for lang in LANGS))
    print("kind x lang:")
    for kd in KINDS:
        print(f"  {kd:9s}", "  ".join(f"{lang} {kind_lang[(kd, lang)]}" for lang in LANGS))
    print(
        f"source coverage: mean {mean(src_cov):.3f}, min {min(src_cov, default=0):.3f}, "
        f"questions at 1.0: {sum(1 for c in src_cov if c == 1.0)}/{n}"
    )
    print(f"other-article coverage (next question's article): mean {mean(next_cov):.3f}, max {max(next_cov, default=0):.3f}")
    print(
        f"other-article coverage (all {len(folded_docs) - 1} other library articles): "
        f"mean {mean(lib_cov):.4f}, max per question {max(lib_cov, default=0):.4f}"
    )
    if mean(next_cov) > OTHER_MAX:
        errors.append(f"mean next-article coverage {mean(next_cov):.3f} > {OTHER_MAX}")
    if mean(lib_cov) > OTHER_MAX:
        errors.append(f"mean library coverage {mean(lib_cov):.3f} > {OTHER_MAX}")
    if any(c != 1.0 for c in src_cov) or len(src_cov) != n:
        ok = False
    for e in errors:
        print("FAIL", e)
    ok = ok and not errors
    print("PASS" if ok else "FAILED")
    return ok, {d for d in per_doc if d != "seed"}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+")
    ap.add_argument("--drcd", default=DRCD_DEFAULT)
    ap.add_argument("--seed", default=SEED_DEFAULT)
    ap.add_argument("-v", "--verbose", action="store_true", help="show points that occur in other articles")
    a = ap.parse_args()
    docs = load_sources(a.drcd, a.seed)
    folded_docs = {d: fold((d if d != "seed" else "") + "\n" + "\n".join(ps)) for d, ps in docs.items()}
    ok = True
    seen: dict[str, str] = {}
    for f in a.files:
        good, used = check_file(f, docs, folded_docs, a.verbose)
        ok &= good
        for d in used:
            if d in seen:
                print(f"FAIL article {d} used by both {seen[d]} and {f}")
                ok = False
            seen[d] = f
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
