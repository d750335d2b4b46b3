"""Write bench/RESULTS.md from the JSON files in bench/results/ (never edit it by hand).

python bench/report.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
METRICS = ["recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"]


def fmt(value: object, digits: int = 4) -> str:
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return "" if value is None else str(value)


def retrieval_section(data: dict) -> list[str]:
    lines = [
        f"## Retrieval on {data['dataset']}",
        "",
        f"{data['paragraphs']:,} paragraphs, {data['questions']:,} questions, each asked against all paragraphs; "
        f"model `{data['embedding_model']}`; settings {json.dumps(data['settings'])}. "
        "Latency: single questions, model in memory, query encoding included, 2 cores.",
        "",
        "| system | questions | " + " | ".join(METRICS) + " | p50 ms | p95 ms |",
        "|---|---|" + "---|" * (len(METRICS) + 2),
    ]
    for row in data["rows"]:
        cells = [fmt(row.get(m)) for m in METRICS] + [fmt(row.get("latency_ms_p50"), 1), fmt(row.get("latency_ms_p95"), 1)]
        lines.append(f"| {row['system']} | {row['questions']} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def answers_section(reports: dict[str, dict]) -> list[str]:
    """One column per answers-NAME.json: NAME is the backend, with -drcd for the evenly spread
    DRCD sample, -drcd-heldout for the random one (--seed 2026), -drcd-heldout-SEED for the
    later random ones (--seed SEED) and -drcd-english for questions/drcd-english.jsonl."""
    keys = [
        ("contains", "answer contains an accepted answer"),
        ("char_f1", "character F1"),
        ("citation_precision", "citation precision"),
        ("citations", "citations"),
        ("answers_citing_only_gold", "answers whose citations are all gold"),
        ("answers_citing", "answers with citations"),
        ("withheld_answers", "answers withheld (lead sentence unsupported or off the question)"),
        ("citation_precision_if_withheld_were_shown", "citation precision if those were shown"),
        ("abstention_accuracy", "abstention accuracy (unanswerable)"),
        ("false_abstention_rate", "refused an answerable question"),
        ("unflagged_unsupported_numbers", "unsupported numbers left unflagged"),
        ("model_errors", "model errors"),
        ("latency_ms_p50", "answer p50 ms"),
    ]
    names = sorted(reports, key=lambda n: ("-drcd" in n, n))

    def label(name: str) -> str:
        count = reports[name]["questions"]
        if "-drcd-heldout-" in name:
            base, seed = name.split("-drcd-heldout-")
            return f"{base}: DRCD dev, {count} random questions (--seed {seed})"
        if name.endswith("-drcd-english"):
            return f"{name.removesuffix('-drcd-english')}: {count} DRCD questions in English (questions/drcd-english.jsonl)"
        if name.endswith("-drcd-heldout"):
            return f"{name.removesuffix('-drcd-heldout')}: DRCD dev, {count} random questions (--seed 2026)"
        if name.endswith("-drcd"):
            return f"{name.removesuffix('-drcd')}: DRCD dev, {count} questions spread evenly"
        return f"{name}: questions/seed.jsonl"

    lines = [
        "## Answers (rag eval --answers)",
        "",
        "Seed: `rag eval questions/seed.jsonl --answers --model NAME`. DRCD: `rag eval DRCD_dev.json --answers --model local --sample 40`"
        " (evenly spread), `--sample 40 --seed 2026`, `--seed 2027` or `--seed 2029` and `--sample 60 --seed 2028` (random)"
        " over the DRCD corpus"
        " (no unanswerable questions; gold = the question's own paragraph). The model's texts are recorded in"
        " `bench/results/recordings/`; the figures are `rag eval --replay` of those recordings with the current verifier (latency"
        " is the recording's). Each random sample was recorded before the rules it then prompted, and scored once first; later"
        " figures are after rules written from it. The verifier's rules were set on the seed set and the evenly spread DRCD sample"
        " (first run 0.694). `--seed 2026`: scored once 0.744; 0.971 after a re-pointing fix, the names rule (a question's names"
        " must be in the source) and short answers read as quotes. `--seed 2027`: scored once 0.915; 0.936 after the names rule"
        " was extended to the cited paragraph; 1.000 after the subject rules written from its last two errors (a copy that put"
        " 蒙哥 where the source says 忽必烈; a claim about 羅斯托夫州 cited to the paragraph on its neighbour Kalmykia). Those"
        " rules also moved one `--seed 2026` citation to gold and withheld one answer there whose DRCD question says Germany"
        " where the source says Russia. `--seed 2028` (60 questions) was recorded before the subject rules were written and"
        " scored once with them: 0.870 (47/54; 0.957 of answers cite only gold), 6 of its 7 non-gold citations from one answer"
        " that copied three unrelated paragraphs; a rule written from it (a long lead with almost none of the question's words"
        " and none of its names does not answer it) gives 0.979. Its last non-gold citation backs a wrong answer whose words"
        " are in the cited paragraph. `--seed 2029` was recorded with the verifier as it was then (seventeen rules) and scored once: 0.938"
        " (30/32; 0.968 of answers cite only gold); no rule has been written from it. Its 2 non-gold citations come from one"
        " answer that copied a paragraph on 高爾's environmental stance for a question on who called his campaign populist."
        " `questions/drcd-english.jsonl` (23 DRCD questions drawn at random with seed 2030 from those no"
        " other sample holds, one dropped whose question names no subject, put into English by hand and asked against the"
        " Chinese paragraphs) was recorded with that verifier and scored once: 1.000 (8/8), but 0.652 of its"
        " questions refused; no rule has been written from it. Then six rules that paid only on the samples they were"
        " written from were removed (see the ablation below and docs/citations.md): the table is with the eleven kept, which"
        " gives `--seed 2026` 0.970, `--seed 2027` 0.957 and `--seed 2028` 0.870 (their figures before those rules), and"
        " `--seed 2029` 0.939 (was 0.938) with contains 0.675 (was 0.650).",
        "",
        "| metric | " + " | ".join(label(n) for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, label_text in keys:
        lines.append(f"| {label_text} | " + " | ".join(fmt(reports[n]["answers"].get(key), 3) for n in names) + " |")
    return [*lines, ""]


def scale_section(data: dict) -> list[str]:
    lines = [
        "## Scale (bench/scale.py)",
        "",
        "Search: synthetic chunk vectors (mixtures of real DRCD chunk vectors), real DRCD sentences as text for BM25, "
        "200 DRCD questions; latency per question with the question vector given, except the last column, which "
        "encodes the question too. Recall: dense top 10 against exact search.",
        "",
        "| system | chunks | vector index | dense p50/p95 ms | lexical p50/p95 ms | hybrid p50/p95 ms | "
        "hybrid incl. encoding p50/p95 ms | recall@10 vs exact | index MB | peak RSS MB | build s | load s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def pair(row: dict, key: str) -> str:
        return f"{row[key]['p50_ms']} / {row[key]['p95_ms']}" if key in row else ""

    for r in data["search"]:
        if "error" in r:
            lines.append(f"| {r.get('system')} | {int(r.get('size', 0)):,} | did not finish: {r['error']} |" + " |" * 9)
            continue
        cells = [r["system"], f"{r['chunks']:,}", r["vector_index"], pair(r, "dense"), pair(r, "lexical"), pair(r, "hybrid")]
        cells += [pair(r, "hybrid_with_encoding"), fmt(r.get("dense_recall_at_10_vs_exact")), fmt(r.get("index_mb"))]
        cells += [fmt(r.get("peak_rss_mb")), fmt(r.get("build_s")), fmt(r.get("load_s"))]
        lines.append("| " + " | ".join(cells) + " |")
    if data.get("build"):
        lines += [
            "",
            "Build (real text, real model, 2 cores):",
            "",
            "| system | chunks | seconds | chunks/s | characters/s |",
            "|---|---|---|---|---|",
        ]
        for b in data["build"]:
            if "error" in b:
                lines.append(f"| {b.get('system')} | | did not finish: {b['error']} | | |")
                continue
            lines.append(f"| {b['system']} | {b['chunks']:,} | {b['build_s']} | {b['chunks_per_s']} | {fmt(b.get('chars_per_s'))} |")
        for b in data["build"]:
            for name, inc in b.get("incremental", {}).items():  # error rows have none
                lines.append(
                    f"| ours: {name.replace('_', ' ')} | {inc['chunks']:,} | {inc['seconds']} | re-embedded {inc['re_embedded']} | |"
                )
    return [*lines, ""]


def rows_section(title: str, intro: str, rows: list[dict]) -> list[str]:
    keys = list(dict.fromkeys(k for r in rows for k in r))  # rows may add columns (load.py's local rows)
    lines = [f"## {title}", "", intro, "", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(fmt(r.get(k), 3) for k in keys) + " |" for r in rows]
    return [*lines, ""]


def api_load_section(data: dict) -> list[str]:
    """bench/api_load.py: the REST API at 1, 4 and 16 clients while documents are uploaded and deleted."""
    c, s, m = data["corpus"], data["settings"], data["machine"]
    lines = [
        "## REST API under load, with uploads (bench/api_load.py)",
        "",
        f"`rag serve` in its own process on {s['host']}; corpus: seeds/ plus {c['drcd_articles']} DRCD dev articles"
        f" ({c['documents']} documents, {c['paragraphs']} paragraphs, {c['chunks']} chunks). At each level every client sends"
        f" its requests one after another, alternating POST /api/retrieve (k={s['k']}) and POST /api/ask ({s['answer_model']}),"
        f" {'/'.join(map(str, s['requests_per_client']))} requests per client or {s['level_seconds']:.0f} s, whichever comes first"
        " (sent < planned: the time bound). Meanwhile one uploader adds a new .md document (POST /api/documents?wait=true) and"
        " deletes it (DELETE …?wait=true), over and over: each is a background index rebuild, counted as completed when"
        " /api/retrieve and /api/health show the document in, then out. Lost: an exception, a status other than 2xx"
        " (503 included) or a 2xx without the promised body. Latency over every request sent; served/s per route (the clients"
        f" alternate, so both routes get the same rate). {m['cores']} cores shared with other work (load average"
        f" {m['load_average_1m_before']} before, {m['load_average_1m_after']} after).",
        "",
        f"**Requests lost: {data['lost_requests']}** (server tracebacks: {data['server_log_tracebacks']}).",
        "",
        "| clients | route | sent / planned | lost | p50 ms | p95 ms | max ms | served/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        cells = [r["clients"], r["route"], f"{r['sent']} / {r['planned']}", r["lost"]]
        cells += [fmt(r["p50_ms"], 1), fmt(r["p95_ms"], 1), fmt(r["max_ms"], 1), fmt(r["served_per_s"], 2)]
        lines.append("| " + " | ".join(fmt(x) for x in cells) + " |")
    lines += [
        "",
        "| clients | uploads (errors) | deletes (errors) | index updates completed / asked | upload + index p50 / max ms"
        " | delete + index p50 ms |",
        "|---|---|---|---|---|---|",
    ]
    for u in data["uploads"]:
        lines.append(
            f"| {u['clients']} | {u['uploads']} ({u['upload_errors']}) | {u['deletes']} ({u['delete_errors']}) |"
            f" {u['index_updates_completed']} / {u['index_updates_asked']} | {fmt(u['upload_wait_p50_ms'], 1)} /"
            f" {fmt(u['upload_wait_max_ms'], 1)} | {fmt(u['delete_wait_p50_ms'], 1)} |"
        )
    return [*lines, ""]


CONVERSATION_RUNS = [
    ("conversations-first", "conversations.jsonl", "first score, written unseen; before any change"),
    ("conversations", "conversations.jsonl", "method of this version (tuned on this set)"),
    ("conversations-heldout-first", "conversations-heldout.jsonl", "first score, fresh set"),
    ("conversations-heldout", "conversations-heldout.jsonl", "method of this version (changes made after seeing it)"),
    ("conversations-heldout2-first", "conversations-heldout2.jsonl", "first score, fresh set"),
    ("conversations-heldout2", "conversations-heldout2.jsonl", "method of this version (one change made after seeing it)"),
    ("conversations-heldout3-first", "conversations-heldout3.jsonl", "first score, fresh set"),
    ("conversations-heldout3", "conversations-heldout3.jsonl", "method of this version"),
    ("conversations-heldout4-first", "conversations-heldout4.jsonl", "first score, fresh set"),
    ("conversations-heldout4", "conversations-heldout4.jsonl", "method of this version (changed before its second score, not from it)"),
    ("conversations-heldout5-first", "conversations-heldout5.jsonl", "first score, fresh set (method unchanged since heldout4)"),
    ("conversations-heldout6-first", "conversations-heldout6.jsonl", "first score, fresh set (method unchanged since heldout4)"),
    ("conversations-heldout7-first", "conversations-heldout7.jsonl", "first score, fresh set (method unchanged since heldout4)"),
    ("conversations-heldout8-first", "conversations-heldout8.jsonl", "first score, fresh set (method unchanged since heldout4)"),
    ("conversations-local", "conversations.jsonl", "answers by the local model (sample)"),
    ("conversations-local-model-rewrites-retrieval", "conversations.jsonl", "follow-ups rewritten by the local model"),
]


def conversations_section(loaded: dict) -> list[str]:
    """bench/conversations.py: follow-up turns asked bare, rewritten with the conversation, and as a person's standalone question."""
    lines = [
        "## Follow-up questions (bench/conversations.py)",
        "",
        "Seed article plus all 1,000 DRCD dev paragraphs indexed together. Follow-up turns only; recall@3 of the paragraph that"
        " answers them, asked bare (no history), rewritten with the conversation (what the tool does) and as the standalone"
        " question a person wrote; 'contains' of the answers. Each set was written by someone who had not seen the method;"
        " a *first score* was recorded before anything was changed from looking at that set.",
        "",
        "| set | run | follow-ups | recall@3 bare / rewritten / standalone | gap | contains bare / rewritten / standalone"
        " | subject changes recall@3 rewritten |",
        "|---|---|---|---|---|---|---|",
    ]
    for stem, questions, what in CONVERSATION_RUNS:
        if stem not in loaded:
            continue
        r, f = loaded[stem], loaded[stem]["follow_up"]
        recall = [f[m]["recall@3"] for m in ("bare", "rewritten", "standalone")]
        contains = " / ".join(fmt(f[m].get("contains"), 3) for m in ("bare", "rewritten", "standalone"))
        gap = recall[2] - recall[1]
        changes = fmt(r["subject_change"]["rewritten"]["recall@3"], 3)
        shown = " / ".join(fmt(x, 3) for x in recall)
        lines.append(f"| {questions} | {what} | {f['turns']} | {shown} | {gap:.3f} | {contains} | {changes} |")
    return [*lines, ""]


def ablation_section(table: dict, title: str, note: str = "") -> list[str]:
    """bench/ablation.py: each citation rule switched off in turn, every recording replayed."""
    metrics = [
        ("citation_precision", "precision", 3),
        ("answers_citing_only_gold", "only gold", 3),
        ("contains", "contains", 3),
        ("shown_wrong", "wrong answers shown", 0),
        ("false_abstention_rate", "false abstention", 3),
    ]
    lines = [
        f"## {title}",
        "",
        "Every recording replayed with all rules on, then with one rule off. *Unseen*: the recordings the rule was not"
        " written from (tests/citations/rules/cases.json); each cell is with the rule → without it. A rule pays when"
        " switching it off makes an unseen figure worse (precision, only gold or contains down; wrong answers shown or"
        " false abstention up). *Changed*: questions whose answer or citations differ, on all recordings / unseen ones."
        + (f" {note}" if note else ""),
        "",
        "| rule | written from | changed | "
        + " | ".join(f"unseen: {label}" for _, label, _ in metrics)
        + " | all: precision | all: contains |",
        "|" + "---|" * (5 + len(metrics)),
    ]

    def change(scope: dict, metric: str, digits: int) -> str:
        return f"{scope['with_rule'][metric]:.{digits}f} → {scope['without_rule'][metric]:.{digits}f}"

    for rule, row in table.items():
        cells = [change(row["unseen"], m, d) for m, _, d in metrics]
        cells += [change(row["all"], "citation_precision", 3), change(row["all"], "contains", 3)]
        written = ", ".join(row["written_from"])
        lines.append(f"| {rule} | {written} | {row['changed_questions']} / {row.get('changed_unseen', '')} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def formats_section(data: dict) -> list[str]:
    out, r, pdf = ["## Documents in other formats (bench/formats.py)", ""], data.get("retrieval"), data.get("pdf_read")
    if r:
        out += [
            f"DRCD dev in {r['books']} files, once as .txt and once printed to PDF by headless Chromium (running header and footer"
            f" on); {r['questions']:,} questions, hybrid retrieval, the same question vectors for both.",
            "",
            "| corpus | recall@1 | recall@5 | recall@10 | MRR@10 |",
            "|---|---|---|---|---|",
        ]
        out += [
            f"| {k} | " + " | ".join(fmt(r[k][m]) for m in ("recall@1", "recall@5", "recall@10", "mrr@10")) + " |"
            for k in ("txt", "pdf", "delta")
        ]
    if pdf:
        out += [
            "",
            f"Text-layer PDF reading, one process: {pdf['pages']:,} pages in {pdf['seconds']} s = **{pdf['pages_per_second']} pages/s**.",
            "",
        ]
    engines = [f"ocr_{e}_{d}" for e in ("rapidocr", "tesseract") for d in (150, 300)]
    out += [
        "Character error rate against the text each file was made from (NFKC, white space ignored); OCR of the same pages"
        " scanned at 300 dpi, recognised at 150 or 300 dpi (s/page in brackets).",
        "",
        "| language | PDF text layer | DOCX | HTML in a site | "
        + " | ".join(e.removeprefix("ocr_").replace("_", " @") for e in engines)
        + " |",
        "|---" * (4 + len(engines)) + "|",
    ]
    for language, row in data["extraction_cer"].items():
        cells = [
            row[e].get("error", "—") if "cer" not in row[e] else f"{row[e]['cer']:.4f} ({row[e]['seconds_per_page']} s)" for e in engines
        ]
        out.append(f"| {language} | {row['pdf']:.4f} | {row['docx']:.4f} | {row['html_in_site']:.4f} | " + " | ".join(cells) + " |")
    return out + [""]


def build_section(data: dict) -> list[str]:
    """bench/build.py: time to the first answer and to full quality, plain build against progressive."""
    lines = [
        "## From adding documents to answers (bench/build.py)",
        "",
        "Real text (DRCD paragraphs, filled up with re-combined sentences of the other DRCD paragraphs), model loaded,"
        " 2 cores. Quality: MRR@10 and recall@1 of the gold paragraph over DRCD questions, at each stage."
        " A `first-only` row stopped once searchable.",
        "",
        "| chunks | build | first answer s | quality then (MRR@10 / R@1) | full quality s | full quality (MRR@10 / R@1) | chunks/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        early, done = r.get("lexical_stage") or r.get("complete") or {}, r.get("complete") or {}
        quality = f"{early.get('mrr@10', '')} / {early.get('recall@1', '')}"
        full = f"{done['mrr@10']} / {done['recall@1']}" if done else "—"
        chunks = f"{r['chunks']:,}" if r.get("chunks") else f"~{r['size']:,}"
        build = r["build"] + ("" if r.get("chunks") else " (first-only)")
        row = [chunks, build, fmt(early.get("first_answer_s")), quality, fmt(done.get("first_answer_s")) if done else "—", full]
        lines.append("| " + " | ".join(str(c) for c in [*row, fmt(r.get("chunks_per_s"))]) + " |")
    return [*lines, ""]


def fast_tier_section(data: dict) -> list[str]:
    """bench/fast_tier.py: cheaper dense models against e5-small, alone and fused with BM25."""
    lines = [
        "## A fast dense tier? (bench/fast_tier.py)",
        "",
        "DRCD dev, every question against 1,000 whole paragraphs, 2 threads, one run. A candidate qualifies when its hybrid"
        " MRR@10 is within 0.005 of e5-small's and it embeds at least 3x as fast.",
        "",
        "| candidate | dims | dense MRR@10 | hybrid R@1 | hybrid MRR@10 | paragraphs/s | speed-up | qualifies |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        cells = [r["name"], r["dims"], fmt(r["mrr@10"]), fmt(r["hybrid_recall@1"]), fmt(r["hybrid_mrr@10"])]
        cells += [fmt(r["paragraphs_per_s"], 1), fmt(r["speedup_vs_e5"], 2), {None: "reference", True: "yes", False: "no"}[r["qualifies"]]]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return [*lines, ""]


def query_speed_section(data: dict) -> list[str]:
    """bench/query_speed.py: one question's encoding by engine."""
    lines = [
        "## Encoding one question (bench/query_speed.py)",
        "",
        f"{data['questions']} DRCD questions, each encoded alone by every engine in turn; cosine to torch fp32.",
        "",
        "| engine | p50 ms | p95 ms | cosine (min) |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r['engine']} | {fmt(r['p50_ms'], 2)} | {fmt(r['p95_ms'], 2)} | {fmt(r['cosine_min'], 5)} |" for r in data["rows"]]
    return [*lines, ""]


def scale_query_engine_section(runs: list[tuple[str, dict]]) -> list[str]:
    """bench/scale.py --out scale_query_engine*.json: retrieval with the question encoded by the default engine, one row per run."""
    lines = [
        "## Retrieval including question encoding, default engine (bench/scale.py)",
        "",
        "As the scale section, re-run with questions encoded by `RAG_QUERY_ENGINE` (default openvino); search rows only."
        " Targets: p95 incl. encoding <= 15 ms at 10k chunks, <= 25 ms at 1M.",
        "",
        "| run | chunks | vector index | hybrid p50/p95 ms (vector given) | hybrid incl. encoding p50/p95 ms | peak RSS MB |",
        "|---|---|---|---|---|---|",
    ]
    notes = []
    for n, (label, data) in enumerate(runs, 1):
        notes.append(f"{n}. {label}: {data.get('note', '')}")
        for r in data["search"]:
            if r.get("system") != "ours" or "hybrid" not in r:
                continue
            h, e = r["hybrid"], r["hybrid_with_encoding"]
            lines.append(
                f"| {n} | {r['chunks']:,} | {r['vector_index']} | {h['p50_ms']} / {h['p95_ms']} | {e['p50_ms']} / {e['p95_ms']} |"
                f" {r['peak_rss_mb']:,} |"
            )
    return [*lines, "", *notes, ""]


def answer_latency_section(data: dict) -> list[str]:
    """bench/answer_latency.py: the local model per prompt budget."""
    keys = [
        ("first_token_ms_p50", "first token p50 ms"),
        ("first_token_ms_p95", "first token p95 ms"),
        ("total_ms_p50", "total p50 ms"),
        ("total_ms_p95", "total p95 ms"),
        ("prompt_tokens_mean", "prompt tokens (mean)"),
        ("generation_tokens_per_s", "generated tokens/s"),
        ("contains", "contains an accepted answer"),
        ("citation_precision", "citation precision"),
        ("answers_citing_only_gold", "answers citing only gold"),
        ("false_abstention_rate", "refused an answerable question"),
        ("abstention_accuracy", "abstention accuracy (unanswerable)"),
        ("unflagged_unsupported_numbers", "unflagged unsupported numbers"),
    ]
    rows = data["rows"]
    label = lambda r: f"{r['set']}, {'whole paragraphs' if r['budget'] == 0 else str(r['budget']) + ' tokens'} ({r['questions']} q)"  # noqa: E731
    lines = [
        "## Local answers by prompt budget (bench/answer_latency.py)",
        "",
        f"Model `{data['model']}`, loaded and warm, 2 cores, llama.cpp's memory cache of earlier prompts"
        f" {'off' if not data.get('llm_cache_ram_mb') else 'on'}; the evidence it reads cut to the budget"
        f" (rag/answer/excerpts.py). {data.get('note', '')}",
        "",
        "| metric | " + " | ".join(label(r) for r in rows) + " |",
        "|---|" + "---|" * len(rows),
    ]
    lines += [f"| {name} | " + " | ".join(fmt(r.get(k), 3) for r in rows) + " |" for k, name in keys]
    return [*lines, ""]


# Targets from issue 21, by question set.
TARGETS = {
    "seed": {"contains": "≥ 0.85", "citation_precision": "1.0", "abstention_accuracy": "≥ 0.875"},
    "drcd": {
        "contains": "≥ 0.75",
        "false_abstention_rate": "≤ 0.10",
        "citation_precision": "≥ 0.95",
        "answers_citing_only_gold": "≥ 0.97",
        "unflagged_unsupported_numbers": "0",
    },
}
# (recording, label, question set), in the order they were recorded
FINAL_RECORDINGS = [
    ("local-seed-final", "seed set, five passages", "seed"),
    ("local-drcd-heldout-2031", "DRCD --seed 2031, five passages", "drcd"),
    ("local-drcd-heldout-2031-whole-paragraphs", "the same, whole paragraphs (budget 0; latency slowed by another job)", "drcd"),
    ("local-drcd-heldout-2032", "DRCD --seed 2032, five passages", "drcd"),
    ("local-drcd-heldout-2032-lone-passage", "the same, a clear match shown alone, no retry", "drcd"),
    ("local-drcd-heldout-2033-five-passages", "DRCD --seed 2033, five passages", "drcd"),
    ("local-drcd-heldout-2033", "the same, a clear match shown alone, then the others (default)", "drcd"),
    ("local-seed-lone-passage", "seed set, default", "seed"),
    ("local-drcd-heldout-2035-paragraph-keys", "DRCD --seed 2035, paragraph keys (default)", "drcd"),
    ("local-drcd-heldout-2035-sentence-keys", "the same, sentence keys", "drcd"),
    ("local-seed-sentence-keys", "seed set, sentence keys", "seed"),
    ("local-drcd-heldout-2036", "DRCD --seed 2036 (default; latency slowed by other jobs)", "drcd"),
    ("replays/local-drcd-heldout-2036-quote-pointed", "the same texts replayed: a pointed sentence quoted when the words fail", "drcd"),
    ("local-seed-quote-pointed", "seed set, pointed sentences quoted (default)", "seed"),
    ("replays/local-seed-quote-pointed-english-answers", "the same texts replayed, English renderings of the answers accepted", "seed"),
    ("local-seed-read-ahead", "seed set, read ahead as a running server (rag eval --warm)", "seed"),
    ("replays/local-seed-read-ahead-final", "the same texts replayed with the final quote rule", "seed"),
    ("replays/local-drcd-heldout-2036-quote-pointed-final", "DRCD --seed 2036 texts replayed with the final quote rule", "drcd"),
    ("local-drcd-heldout-2037", "DRCD --seed 2037, recorded once with pointed sentences quoted (first version)", "drcd"),
    ("local-drcd-heldout-2038", "DRCD --seed 2038, recorded once with the final code", "drcd"),
    ("replays/local-drcd-heldout-2038-clear-match", "the same texts replayed: a withheld answer quotes the clear match", "drcd"),
    ("replays/local-seed-read-ahead-clear-match", "seed set read ahead, replayed: a withheld answer quotes the clear match", "seed"),
    ("local-drcd-heldout-2039", "DRCD --seed 2039, recorded once with the clear match quoted", "drcd"),
    ("local-seed-clear-match", "seed set read ahead, recorded once with the final code", "seed"),
]
# Replays re-check recorded texts (rag eval --replay): their timings are the recording's, or none.
TIMINGS = ("first_token_ms_p50", "latency_ms_p50", "latency_ms_p95")


def llama_tuning_section(data: dict) -> list[str]:
    """bench/llama_tuning.py: llama.cpp's reading and writing speed per setting, one run."""
    lines = [
        "## llama.cpp settings for the local model (bench/llama_tuning.py)",
        "",
        "Qwen2.5-Coder-1.5B-Instruct, 2 cores, one run; real prompts (seed questions with one or five seed paragraphs as"
        " sources), llama.cpp's prompt cache off; tokens/s from llama.cpp's own timings.",
        "",
        "| setting | prefill tokens/s | generation tokens/s | one source: tokens, prefill p50 ms | five sources: tokens, prefill p50 ms |",
        "|---|---|---|---|---|",
    ]
    for r in data["rows"]:
        lines.append(
            f"| {r['setting']} | {r['prefill_tokens_per_s']} | {r['generation_tokens_per_s']} |"
            f" {r['one_prompt_tokens_mean']:.0f}, {r['one_prefill_ms_p50']:.0f} |"
            f" {r['five_prompt_tokens_mean']:.0f}, {r['five_prefill_ms_p50']:.0f} |"
        )
    return [*lines, "", data.get("note", ""), ""]


def _recording(name: str) -> Path:
    """A report by name: in recordings/, or under results/ when the name has a folder."""
    return RESULTS / (f"{name}.json" if "/" in name else f"recordings/{name}.json")


def final_answers_section() -> list[str]:
    """The local model with the prompt budget and its variants, each recording scored once, as recorded."""
    paths = [(_recording(name), label, kind) for name, label, kind in FINAL_RECORDINGS]
    for path, _, _ in paths:
        if not path.exists():
            print(f"report: {path} is missing; its column is left out", file=sys.stderr)
    found = [(label, json.loads(path.read_text(encoding="utf-8")), kind) for path, label, kind in paths if path.exists()]
    keys = [
        ("contains", "contains an accepted answer"),
        ("citation_precision", "citation precision (paragraph)"),
        ("span_precision", "citation precision (quoted span holds the answer)"),
        ("answers_citing_only_gold", "answers citing only gold"),
        ("answers_quoting_the_answer", "answers whose quotes hold the answer"),
        ("false_abstention_rate", "refused an answerable question"),
        ("abstention_accuracy", "abstention accuracy (unanswerable)"),
        ("unflagged_unsupported_numbers", "unflagged unsupported numbers"),
        ("refusals_retried", "refusals asked again with the other view"),
        ("retries_answered", "of those, answered"),
        ("retries_answered_right", "of those, containing an accepted answer"),
        ("answers_quoted_instead", "withheld answers quoting the clear match instead"),
        ("quoted_instead_right", "of those, containing an accepted answer"),
        ("first_token_ms_p50", "first token p50 ms"),
        ("latency_ms_p50", "answer p50 ms"),
        ("latency_ms_p95", "answer p95 ms"),
    ]
    lines = [
        "## Local answers, recorded once (rag eval --answers)",
        "",
        "Prompt budget 600 tokens (unless said), refusal retry at a lead of 0.6; the first and only scoring of each recording"
        " (`bench/results/recordings/`). Each DRCD sample is 60 random questions drawn with a seed never recorded before;"
        " rows of one sample were recorded one after the other on the same machine.",
        "",
        "| metric | " + " | ".join(f"{n}. {label}" for n, (label, _, _) in enumerate(found, 1)) + " | target: seed | target: DRCD |",
        "|---|" + "---|" * (len(found) + 2),
    ]
    for key, name in keys:
        digits = 0 if "_ms_" in key else 3
        cells = [fmt(r["answers"].get(key), digits) if key not in TIMINGS or "replayed" not in label else "" for label, r, _ in found]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {TARGETS['seed'].get(key, '')} | {TARGETS['drcd'].get(key, '')} |")
    return [*lines, ""]


def main() -> None:
    out = ["# Benchmark results", "", "Generated by `python bench/report.py` from `bench/results/*.json`.", ""]
    retrieval = RESULTS / "retrieval.json"
    if retrieval.exists():
        out += retrieval_section(json.loads(retrieval.read_text(encoding="utf-8")))
    answers = {p.stem.removeprefix("answers-"): json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("answers-*.json"))}
    if answers:
        out += answers_section(answers)
    if all(_recording(n).exists() for n, _, _ in FINAL_RECORDINGS):
        out += final_answers_section()
    loaded = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in RESULTS.glob("*.json")}
    if "scale" in loaded:
        out += scale_section(loaded["scale"])
    if "build" in loaded:
        out += build_section(loaded["build"])
    if "fast_tier" in loaded:
        out += fast_tier_section(loaded["fast_tier"])
    if "query_speed" in loaded:
        out += query_speed_section(loaded["query_speed"])
    runs = [
        (label, loaded[name])
        for name, label in (
            ("scale_query_engine", "first run"),
            ("scale_query_engine_bf16", "a later run, 10k only"),
            ("scale_query_engine_static", "fixed shapes (the default now)"),
            ("scale_query_engine_static_rerun", "fixed shapes, 1M again"),
            ("scale_lexical_floor_before", "lexical top by np.argpartition, the code before the next run"),
            ("scale_lexical_floor", "lexical top by a floor from the rarest tokens (the default now)"),
        )
        if name in loaded
    ]
    if runs:
        out += scale_query_engine_section(runs)
    if "instant_quote" in loaded:
        q = loaded["instant_quote"]
        out += [
            "## Something true at once (bench/instant_quote.py)",
            "",
            f"Seed questions asked with `--model {q['model']}` loaded ({q['machine']}): time from asking to the extractive quote"
            f" shown while the model writes. {q['with_a_quote']} of {q['asked']} questions have a quote: p50"
            f" {q['quote_ms_p50']} ms, p95 {q['quote_ms_p95']} ms, slowest {q['quote_ms_max']} ms (target 1 s). The others"
            " begin with the model's first word or an immediate refusal: "
            + ", ".join(f"{t:.0f}" for t in q["without_a_quote_first_event_ms"])
            + " ms.",
            "",
        ]
    if "answer_latency" in loaded:
        out += answer_latency_section(loaded["answer_latency"])
    if "llama_tuning" in loaded:
        out += llama_tuning_section(loaded["llama_tuning"])
    if "formats" in loaded:
        out += formats_section(loaded["formats"])
    if "embed_speed" in loaded:
        intro = f"{loaded['embed_speed']['texts']} DRCD texts of {loaded['embed_speed']['chars_per_text']} characters; cosine to fp32."
        ceiling = loaded["embed_speed"].get("fp32_ceiling")
        if ceiling:
            intro += (
                f" fp32 ceiling on this machine: {ceiling['gflop_per_chunk']} GFLOP per chunk"
                f" ({ceiling['tokens_per_chunk_mean']} tokens) at the measured {ceiling['matmul_gflops_measured']} GFLOP/s"
                f" matrix-multiply rate = {ceiling['fp32_ceiling_chunks_per_s']} chunks/s; the baseline runs at"
                f" {ceiling['baseline_share_of_ceiling']:.0%} of it, so no fp32 engine can be more than"
                f" {ceiling['max_fp32_speedup']}x faster."
            )
        out += rows_section("Embedding speed (bench/embed_speed.py)", intro, loaded["embed_speed"]["rows"])
    if "load" in loaded:
        load = loaded["load"]
        intro = (
            f"Seed corpus, closed loop, web queue of {load['ui_concurrency']} workers. Rows with local_model_generating: the"
            " local model answers without pause in this process or in another one (rag llama-server), questions encoded on"
            " query_threads threads (the default is all of them)."
        )
        out += rows_section("Concurrent questions (bench/load.py)", intro, loaded["load"]["rows"])
    if "api_load" in loaded:
        out += api_load_section(loaded["api_load"])
    if "conversations" in loaded:
        out += conversations_section(loaded)
    if "ray_index" in loaded:
        ray = loaded["ray_index"]
        rows = [
            {"engine": e, "mode": m, **ray[e][m], "build s": ray[e]["build_seconds"]} for e in ("local", "ray") for m in ("dense", "hybrid")
        ]
        intro = f"DRCD dev, {ray['questions']:,} questions, {ray['chunks']:,} chunks; vectors cosine min {ray['vector_cosine_min']}."
        out += rows_section("Ray engine vs one process (bench/ray_index.py)", intro, rows)
    if "hostile" in loaded:
        hostile = loaded["hostile"]
        intro = (
            f"`python bench/hostile.py`: {hostile['passed']} of {hostile['cases']} hostile inputs handled as expected"
            " (tests/system/test_trust.py, test_offline.py, test_hostile.py, test_bad_input.py,"
            " tests/corpus/readers/test_hostile_documents.py)."
        )
        rows = [{**r, "pass": "yes" if r["pass"] else "NO"} for r in hostile["rows"]]
        out += rows_section("Hostile inputs (bench/hostile.py)", intro, rows)
    if "ablation" in loaded:
        out += ablation_section(loaded["ablation"], "Citation rules, each switched off (bench/ablation.py)")
    if "ablation-before-removal" in loaded:
        out += ablation_section(
            loaded["ablation-before-removal"],
            "Citation rules before six were removed (bench/ablation.py, all seventeen rules)",
            "The run that decided which rules stay (docs/citations.md): the six whose unseen cells show no change, or a"
            " change for the better without them, were removed.",
        )
    target = RESULTS.parent / "RESULTS.md"
    target.write_text("\n".join(out), encoding="utf-8")
    print("\n".join(out))


if __name__ == "__main__":
    main()
