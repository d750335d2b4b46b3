"""rag eval generate: questions made from a library's own sentences, kept only when they pass
the round trip (rag.eval.generate)."""

from __future__ import annotations

import json

import pytest

from rag.errors import RagError
from rag.eval.generate import copied_share, generate_set, rejection
from rag.eval.question_rules import Candidate, lookup_candidates
from rag.eval.scoring import holds_answer, load_questions, point_coverage
from rag.index.doc_map import document_maps
from rag.text.language import detect_language
from rag.types import Paragraph

LIBRARY = {
    "tower.txt": (
        "台北101",
        [
            "台北101是位於臺灣臺北市信義區的摩天大樓，樓高508公尺，地上樓層共有101層。",
            "大樓於1999年動工，2004年12月31日正式啟用，由建築師李祖原設計。",
            "由於臺灣位於地震帶，大樓內裝設了重達660公噸的風阻尼器，用來減少強風與地震造成的搖晃。",
            "大樓的主要用途包括辦公室、購物中心、觀景台和餐廳等。",
        ],
    ),
    "mountain.txt": (
        "玉山",
        [
            "玉山是臺灣最高的山峰，主峰海拔3952公尺，位於南投縣、嘉義縣與高雄市交界。",
            "日治時期，日本人因為玉山比富士山還高，所以將它改名為新高山。",
            "玉山國家公園成立於1985年，園區內的動物包括臺灣黑熊、水鹿、帝雉和山羌等。",
        ],
    ),
    "river.txt": (
        "淡水河",
        [
            "淡水河是臺灣北部的主要河川，全長約159公里，流經臺北盆地後在淡水注入臺灣海峽。",
            "十九世紀時，淡水港因為河運便利而成為北臺灣最重要的港口，外國商人紛紛前來設立洋行。",
            "淡水河的主要支流有大漢溪、新店溪和基隆河。",
        ],
    ),
}


def _library() -> tuple[list[Paragraph], dict]:
    paragraphs = []
    for doc, (_title, texts) in LIBRARY.items():
        for n, text in enumerate(texts, 1):
            paragraphs.append(Paragraph(paragraph_id=f"{doc}#p{n}", doc_id=doc, number=n, start=0, end=len(text), text=text))
    return paragraphs, document_maps(paragraphs, {doc: title for doc, (title, _) in LIBRARY.items()})


def _rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_a_year_becomes_a_which_year_question_that_does_not_say_it():
    made = list(lookup_candidates("玉山國家公園成立於1985年，園區內有臺灣黑熊。", "m#p3"))
    year = [c for c in made if c.answers == ("1985年",)]
    assert year and "哪一年" in year[0].question and "1985" not in year[0].question


def test_a_question_that_copies_its_sentence_or_fits_two_sentences_is_dropped():
    sentence = "大樓於1999年動工。"
    copied = Candidate("大樓於哪一年動工？", "lookup", sentence, ("t#p2",), ("1999年",))
    assert copied_share(copied.question, sentence) > 0.5
    assert rejection(copied, [sentence], tuning=_strict_copy()) == "copies its sentence"
    twin = "大樓於2000年動工。"
    ambiguous = Candidate("這座大樓於哪一年開始動工？", "lookup", sentence, ("t#p2",), ("1999年",))
    assert rejection(ambiguous, [sentence, twin]) == "another sentence fits as well"
    assert rejection(ambiguous, [sentence, "玉山是臺灣最高的山峰。"]) is None
    says_it = Candidate("大樓於1999年動工嗎？", "lookup", sentence, ("t#p2",), ("1999年",))
    assert rejection(says_it, [sentence]) == "answer in the question"


def _strict_copy():
    from rag.eval.generate import GenerateTuning

    return GenerateTuning(most_copied=0.5)


def test_generated_records_load_and_point_at_paragraphs_that_hold_their_answers(tmp_path):
    paragraphs, maps = _library()
    out = tmp_path / "set.jsonl"
    made = generate_set(paragraphs, maps, out, n=40, langs=["zh-Hant"], seed=3, progress=False)
    rows = _rows(out)
    assert made.written == len(rows) > 10
    texts = {p.paragraph_id: p.text for p in paragraphs}
    kinds = {r["kind"] for r in rows}
    assert {"lookup", "why", "list", "overview"} <= kinds
    for row in rows:
        gold = " ".join(texts[pid] for pid in row["gold_paragraphs"])
        if row.get("answers"):
            assert holds_answer(gold, row["answers"]) and not holds_answer(row["question"], row["answers"])
        if row.get("points"):
            assert point_coverage(gold, row["points"]) == 1.0, row
    assert len(load_questions(out)) == len(rows)
    assert len({r["question"] for r in rows}) == len(rows)


def test_key_points_are_what_the_source_says_and_other_documents_do_not(tmp_path):
    """The guide's check of a point list: the source paragraphs score 1.0, another document's text near 0."""
    paragraphs, maps = _library()
    out = tmp_path / "open.jsonl"
    generate_set(paragraphs, maps, out, n=30, kinds=["why", "list", "overview", "summary"], langs=["zh-Hant"], progress=False)
    rows = _rows(out)
    assert rows
    by_doc = {doc: " ".join(p.text for p in paragraphs if p.doc_id == doc) for doc in LIBRARY}
    others = [point_coverage(text, r["points"]) for r in rows for doc, text in by_doc.items() if doc != r["source"]["doc_id"]]
    assert max(others) <= 0.34 and sum(others) / len(others) < 0.1


def test_other_languages_and_a_resumed_run(tmp_path):
    paragraphs, maps = _library()
    out = tmp_path / "langs.jsonl"
    first = generate_set(paragraphs, maps, out, n=12, langs=["zh-Hant", "zh-Hans", "en"], seed=1, progress=False)
    rows = _rows(out)
    assert first.written == 12 == len(rows)
    assert {r["lang"] for r in rows} >= {"zh-Hant", "zh-Hans"}
    for row in rows:
        assert detect_language(row["question"]) == row["lang"] or row["kind"] in ("overview", "summary"), row
    more = generate_set(paragraphs, maps, out, n=20, langs=["zh-Hant", "zh-Hans", "en"], seed=1, progress=False)
    assert more.already == 12 and len(_rows(out)) == 12 + more.written <= 20
    assert _rows(out)[:12] == rows  # kept as they were
    english = [r for r in _rows(out) if r["lang"] == "en"]
    assert all(r["kind"] in ("overview", "summary") for r in english)


def test_unknown_kinds_and_empty_libraries_say_what_to_do(tmp_path):
    paragraphs, maps = _library()
    with pytest.raises(RagError, match="Unknown kind"):
        generate_set(paragraphs, maps, tmp_path / "x.jsonl", n=5, kinds=["riddle"], progress=False)
    with pytest.raises(RagError, match="no paragraphs"):
        generate_set([], {}, tmp_path / "y.jsonl", n=5, progress=False)


def test_the_command_line_offers_every_kind_and_language():
    from rag.eval.generate import KINDS, LANGS
    from rag.ui.cli_eval import ALL_KINDS, ALL_LANGS

    assert ALL_KINDS.split(",") == list(KINDS) and ALL_LANGS.split(",") == list(LANGS)


class _Chat:
    """Stands in for an answer model's chat: replies with a fixed text."""

    def __init__(self, reply: str) -> None:
        self.reply = reply

    def stream_chat(self, messages):
        yield self.reply


class _Embedder:
    """Meaning as the concepts a text names, in either language (a multilingual model's job)."""

    CONCEPTS = (("動工", "construction", "built"), ("山", "mountain"), ("啟用", "opened"))

    def encode_queries(self, texts):
        import numpy as np

        rows = [[sum(text.lower().count(w) for w in words) for words in self.CONCEPTS] for text in texts]
        return np.array([np.array(r, float) / max(1e-9, float(np.linalg.norm(r))) for r in rows])

    encode_sentences = encode_queries


def test_english_versions_written_by_a_model_are_kept_only_when_they_hold(tmp_path):
    from rag.eval.translate import model_translator, translation_holds

    sentence, other = "大樓於1999年動工，2004年正式啟用。", "玉山是臺灣最高的山峰。"
    question = "大樓於哪一年動工，2004年正式啟用？"
    holds = lambda english: translation_holds(english, question, sentence, [sentence, other], _Embedder())  # noqa: E731
    assert holds("In which year did construction of the building begin, before it opened in 2004?")
    assert not holds("大樓於哪一年動工？")  # not English
    assert not holds("Did construction begin in 1999, before it opened in 2004?")  # says its answer
    assert not holds("In which year did construction begin")  # does not ask
    assert not holds("What is the highest mountain in Taiwan?")  # leads to another sentence

    paragraphs, maps = _library()
    out = tmp_path / "en.jsonl"
    reply = "In which year did construction of the building begin?"
    made = generate_set(
        paragraphs, maps, out, n=200, kinds=["lookup"], langs=["en"], progress=False, translate=model_translator(_Chat(reply), _Embedder())
    )
    english = _rows(out)
    assert made.translated == len(english) == 1 and english[0]["question"] == reply  # the same reply for every question: kept once
    assert english[0]["generated_by"].endswith("by the answer model") and english[0]["lang"] == "en"
    assert made.dropped["translation failed its checks"] > 0  # the reply leads back to one sentence only
