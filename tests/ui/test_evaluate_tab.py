"""The Evaluate tab's review: ticked rows kept with the wording the reviewer gave them, the
report shown in a sandboxed frame, and the same kinds and languages as the command line."""

from __future__ import annotations

import json

import pytest

from rag.errors import RagError
from rag.ui.evaluate_tab import KINDS, LANGS, framed, kept_records, read_set, table_rows

RECORDS = [
    {
        "id": "a",
        "question": "管道每年輸送多少天然氣？",
        "kind": "lookup",
        "lang": "zh-Hant",
        "answers": ["500億立方公尺"],
        "gold_paragraphs": ["a.txt#p8"],
    },
    {
        "id": "b",
        "question": "《文章》主要在講什麼？",
        "kind": "overview",
        "lang": "zh-Hant",
        "points": [["管道"], ["蒙古"]],
        "gold_paragraphs": ["a.txt#p1"],
    },
    {"id": "c", "question": "Why?", "kind": "why", "lang": "en", "points": [["fee"]], "gold_paragraphs": ["a.txt#p9"]},
]


def test_rows_show_what_a_reviewer_judges_and_ticked_rows_keep_their_new_wording():
    rows = table_rows(RECORDS)
    assert [r[0] for r in rows] == [True, True, True]
    assert rows[0][4] == "500億立方公尺" and rows[1][4] == "管道 / 蒙古" and rows[1][5] == "a.txt#p1"
    rows[1][0] = False  # unticked
    rows[2][3] = "Why does Mongolia want the pipeline?"  # reworded
    kept = kept_records(rows, RECORDS)
    assert [k["question"] for k in kept] == ["管道每年輸送多少天然氣？", "Why does Mongolia want the pipeline?"]
    assert kept[1]["points"] == [["fee"]] and RECORDS[2]["question"] == "Why?"  # the original record is untouched
    rows[0][3] = "   "
    assert [k["kind"] for k in kept_records(rows, RECORDS)] == ["why"]  # an emptied question is dropped
    rows[0][3] = "管道每年輸送多少天然氣？"
    reordered = [rows[2], rows[0]]  # sorted and one removed in the table: each row still finds its own record
    assert [(k["id"], k["question"]) for k in kept_records(reordered, RECORDS)] == [
        ("c", "Why does Mongolia want the pipeline?"),
        ("a", "管道每年輸送多少天然氣？"),
    ]


def test_a_loaded_set_is_checked_line_by_line(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in RECORDS), encoding="utf-8")
    assert read_set(good) == RECORDS
    anonymous = tmp_path / "anonymous.jsonl"
    anonymous.write_text('{"question": "一"}\n{"question": "二", "id": "x"}\n{"question": "三", "id": "x"}\n', encoding="utf-8")
    assert [r["id"] for r in read_set(anonymous)] == ["line-1", "x", "line-3"]  # every row an id of its own
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\n{"no question": 1}\n', encoding="utf-8")
    with pytest.raises(RagError, match=":2"):
        read_set(bad)


def test_the_report_downloads_from_a_link_that_holds_it():
    import base64

    from rag.ui.evaluate_tab import download_link

    page = "<html><body>報告 <svg></svg></body></html>"
    link = download_link(page, 'report "1".html')
    assert link.startswith("<a ") and 'download="report &quot;1&quot;.html"' in link
    data = link.split('href="data:text/html;base64,', 1)[1].split('"', 1)[0]
    assert base64.b64decode(data).decode("utf-8") == page


def test_the_report_is_framed_escaped_and_sandboxed():
    page = '<html><body><h1>report</h1><p>"quoted" & <b>bold</b></p></body></html>'
    frame = framed(page)
    assert frame.startswith("<iframe") and 'sandbox=""' in frame
    assert "<h1>" not in frame and "&lt;h1&gt;" in frame and "&quot;quoted&quot;" in frame


def test_the_tab_offers_what_the_generator_makes():
    from rag.eval.generate import KINDS as MADE
    from rag.eval.generate import LANGS as WRITTEN

    assert KINDS == MADE and LANGS == WRITTEN
