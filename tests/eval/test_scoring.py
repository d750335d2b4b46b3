from __future__ import annotations

import json

import pytest

from rag.errors import RagError
from rag.eval.scoring import (
    EvalQuestion,
    answer_scores,
    char_f1,
    gold_paragraph_ids,
    load_questions,
    ndcg,
    reciprocal_rank,
    retrieval_metrics,
    sample_at_random,
    sample_evenly,
    write_squad_corpus,
)

SQUAD = {
    "version": "1.3",
    "data": [
        {
            "title": "t",
            "id": "1",
            "paragraphs": [
                {
                    "id": "1-1",
                    "context": "臺北是首都。",
                    "qas": [{"id": "q1", "question": "首都是哪裡？", "answers": [{"text": "臺北", "answer_start": 0}]}],
                },
                {
                    "id": "1-2",
                    "context": "高雄是港市。",
                    "qas": [{"id": "q2", "question": "港市？", "answers": [{"text": "高雄", "answer_start": 0}]}],
                },
            ],
        }
    ],
}


def test_metrics_by_hand():
    rankings = [["a", "b", "c"], ["x", "a", "y"], ["x", "y", "z"]]
    golds = [{"a"}, {"a"}, {"a"}]
    m = retrieval_metrics(rankings, golds)
    assert m["recall@1"] == pytest.approx(1 / 3)
    assert m["recall@5"] == pytest.approx(2 / 3)
    assert m["mrr@10"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert reciprocal_rank(["x"] * 10 + ["a"], {"a"}) == 0.0  # past the cutoff
    assert ndcg(["a", "b"], {"a", "b"}) == pytest.approx(1.0)
    assert ndcg(["b", "a"], {"a"}) == pytest.approx(1 / 1.5849625007)


def test_squad_questions_take_their_context_as_gold_text(tmp_path):
    path = tmp_path / "set.json"
    path.write_text(json.dumps(SQUAD, ensure_ascii=False), encoding="utf-8")
    questions = load_questions(path)
    assert [q.question for q in questions] == ["首都是哪裡？", "港市？"]
    assert questions[0].gold_text == ["臺北是首都。"] and questions[0].answers == ["臺北"]
    corpus = tmp_path / "corpus"
    assert write_squad_corpus(path, corpus) == 2
    assert (corpus / "1-2.txt").read_text(encoding="utf-8") == "高雄是港市。"


def test_jsonl_questions_and_a_bad_line(tmp_path):
    path = tmp_path / "set.jsonl"
    rows = [{"question": "一？", "answers": ["甲"], "gold_paragraphs": ["d#p1"]}, {"question": "二？", "unanswerable": True}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    questions = load_questions(path)
    assert questions[0].gold_paragraphs == ["d#p1"] and questions[1].unanswerable
    path.write_text('{"question": "ok"}\n{"answers": []}\n', encoding="utf-8")
    with pytest.raises(RagError, match=r"set.jsonl:2 .*'question'"):
        load_questions(path)
    with pytest.raises(RagError, match="does not exist"):
        load_questions(tmp_path / "missing.jsonl")


def test_gold_by_id_or_by_contained_text():
    paragraphs = {"d#p1": "臺北是首都。", "d#p2": "高雄是港市，人口眾多。"}
    q = EvalQuestion(question="?", gold_paragraphs=["d#p1", "nope"], gold_text=["人口眾多"])
    assert gold_paragraph_ids(q, paragraphs) == {"d#p1", "d#p2"}


def test_answer_scores_ignore_markers_script_and_punctuation():
    s = answer_scores("俄罗斯每年最多可输送500亿立方公尺天然气。 [1]", ["500億立方公尺"])
    assert s["contains"] == 1.0 and s["exact_match"] == 0.0 and 0 < s["char_f1"] < 1
    assert answer_scores("500億立方公尺 [2]", ["500億立方公尺"])["exact_match"] == 1.0
    assert char_f1("abc", "xyz") == 0.0


def test_sample_spreads_over_the_whole_set():
    questions = [EvalQuestion(question=f"q{i}", qid=str(i)) for i in range(10)]
    assert [q.qid for q in sample_evenly(questions, 4)] == ["0", "3", "6", "9"]
    assert [q.qid for q in sample_evenly(questions, 1)] == ["0"]
    assert sample_evenly(questions, None) == questions and sample_evenly(questions, 50) == questions
    with pytest.raises(ValueError, match="at least 1"):
        sample_evenly(questions, 0)


def test_random_sample_is_reproducible_and_keeps_set_order():
    questions = [EvalQuestion(question=f"q{i}", qid=str(i)) for i in range(100)]
    first, again, other = (sample_at_random(questions, 10, seed) for seed in (1, 1, 2))
    assert first == again and first != other and len({q.qid for q in first}) == 10
    assert [int(q.qid) for q in first] == sorted(int(q.qid) for q in first)
    assert sample_at_random(questions, None, 1) == questions
    with pytest.raises(ValueError, match="at least 1"):
        sample_at_random(questions, 0, 1)


def test_a_report_without_model_text_cannot_be_replayed(tmp_path):
    from rag.answer.replay import load_recording

    old = tmp_path / "old.json"
    old.write_text(json.dumps({"per_question": [{"question": "q", "answer": "a [1]", "ranking": []}]}), encoding="utf-8")
    with pytest.raises(RagError, match="does not record what the model wrote") as err:
        load_recording(old)
    assert "Re-run rag eval --answers" in str(err.value)
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(RagError, match="Cannot read the recorded report"):
        load_recording(tmp_path / "bad.json")


@pytest.mark.slow
def test_replay_rechecks_what_the_model_wrote_with_todays_verifier(seed_rag):
    """A recorded model text is verified again: its wrong key is re-pointed to the gold paragraph,
    and a question whose retrieval no longer matches the recording is an error, not a score."""
    from rag.answer.replay import ReplayBackend
    from rag.eval.runner import run_eval
    from tests.conftest import KEY_QUESTION

    passages = seed_rag.retrieve(KEY_QUESTION, 10)
    wrong = next(p.rank for p in passages[:5] if "500億" not in p.text)
    written = f"西伯利亞力量2號管道每年最多可輸送500億立方公尺天然氣。[{wrong}]"
    ranking = [p.paragraph_id for p in passages]
    other = "另一個問題？"
    recording = {
        "model": "local",
        "per_question": [
            {"question": KEY_QUESTION, "answer": "…", "model_answer": written, "ranking": ranking, "error": ""},
            {"question": other, "answer": "…", "model_answer": "…", "ranking": ranking[::-1], "error": ""},
        ],
    }
    backend = ReplayBackend(recording, "rec.json", seed_rag.embedder, seed_rag.settings)
    seed_rag.use_backend(backend)
    questions = [
        EvalQuestion(question=KEY_QUESTION, qid="k", answers=["500億立方公尺"], gold_text=["每年最多可向中國輸送500億立方公尺天然氣"]),
        EvalQuestion(question=other, qid="o", answers=["x"]),
    ]
    report = run_eval(seed_rag, questions, answers=True, model=backend.name, progress=False)
    key, mismatch = report["per_question"]
    assert key["model_answer"] == written and key["cited"] == key["gold"] and key["contains"] == 1.0
    assert "differ from the recording" in mismatch["error"] and report["answers"]["model_errors"] == 1
    assert report["model"] == "local replayed from rec.json"


@pytest.mark.slow
def test_a_retried_refusal_replays_as_it_was_recorded(seed_rag):
    """The refusal comes first and the answer second, as the model wrote them."""
    from rag.answer.replay import ReplayBackend
    from rag.eval.runner import run_eval
    from rag.text.language import REFUSALS
    from tests.conftest import KEY_QUESTION

    ranking = [p.paragraph_id for p in seed_rag.retrieve(KEY_QUESTION, 10)]
    written = "西伯利亞力量2號管道每年最多可輸送500億立方公尺天然氣。[1]"
    row = {"question": KEY_QUESTION, "answer": "…", "model_answer": written, "refused_first": REFUSALS["zh-Hant"]}
    recording = {"model": "local", "per_question": [{**row, "ranking": ranking, "error": ""}]}
    settings = seed_rag.settings.changed(**{"refusal_retry_margin": 0.0})  # whatever the lead: ask again
    backend = ReplayBackend(recording, "rec.json", seed_rag.embedder, settings)
    seed_rag.use_backend(backend)
    gold_text = ["每年最多可向中國輸送500億立方公尺天然氣"]
    question = EvalQuestion(question=KEY_QUESTION, qid="k", answers=["500億立方公尺"], gold_text=gold_text)
    report = run_eval(seed_rag, [question], answers=True, model=backend.name, progress=False)
    replayed = report["per_question"][0]
    assert replayed["refused_first"] == REFUSALS["zh-Hant"] and replayed["contains"] == 1.0 and replayed["cited"] == replayed["gold"]
    assert report["answers"]["refusals_retried"] == 1 and report["answers"]["retries_answered_right"] == 1


@pytest.mark.slow
def test_withheld_answer_is_scored_apart_with_the_keys_it_had(seed_rag, monkeypatch):
    from rag.eval.runner import run_eval
    from rag.text.language import REFUSALS
    from rag.types import Answer, SentenceSupport
    from tests.conftest import KEY_QUESTION

    def withheld(question, passages, model=None, mode=None):
        gold = next(p.rank for p in passages if "500億" in p.text)
        other = next(p.rank for p in passages if "500億" not in p.text)
        sentences = [
            SentenceSupport(text="編造的一句。", cited=[gold], supported=False, reason="made up"),
            SentenceSupport(text="有依據的一句。", cited=[gold], keys=[gold], supported=True),
            SentenceSupport(text="另一段的一句。", cited=[other], keys=[other], supported=True),
        ]
        return Answer(question=question, text=REFUSALS["zh-Hant"], passages=passages, abstained=True, model="fake", sentences=sentences)

    monkeypatch.setattr(seed_rag, "answer", withheld)
    question = EvalQuestion(
        question=KEY_QUESTION, qid="t01", answers=["500億立方公尺"], gold_text=["每年最多可向中國輸送500億立方公尺天然氣"]
    )
    scores = run_eval(seed_rag, [question], answers=True, progress=False)["answers"]
    assert scores["withheld_answers"] == 1 and scores["citations"] == 0 and scores["citation_precision"] is None
    assert scores["citation_precision_if_withheld_were_shown"] == 0.5
    assert scores["false_abstention_rate"] == 1.0


@pytest.mark.slow
def test_citation_precision_is_reported_per_citation_and_per_answer(seed_rag, monkeypatch):
    from rag.eval.runner import run_eval
    from rag.types import Answer, Citation
    from tests.conftest import KEY_QUESTION

    def cite(passage):
        return Citation(key=passage.rank, paragraph_id=passage.paragraph_id, text="x", start=0, end=1)

    def answer(question, passages, model=None, mode=None):
        gold = next(p for p in passages if "500億" in p.text)
        others = [p for p in passages if "500億" not in p.text]
        # The first answer cites gold then two wrong paragraphs, the second gold only.
        wrong = others[:2] if question.endswith("？") else []
        return Answer(question=question, text="…", passages=passages, model="fake", citations=[cite(gold), *map(cite, wrong)])

    monkeypatch.setattr(seed_rag, "answer", answer)
    gold_text = ["每年最多可向中國輸送500億立方公尺天然氣"]
    questions = [
        EvalQuestion(question=KEY_QUESTION, qid="a", answers=["500億"], gold_text=gold_text),
        EvalQuestion(question=KEY_QUESTION.rstrip("？"), qid="b", answers=["500億"], gold_text=gold_text),
    ]
    scores = run_eval(seed_rag, questions, answers=True, progress=False)["answers"]
    assert scores["citations"] == 4 and scores["citation_precision"] == 0.5
    assert scores["answers_citing"] == 2 and scores["answers_citing_only_gold"] == 0.5


@pytest.mark.slow
def test_a_quote_of_the_gold_paragraph_that_misses_the_answer_counts_as_wrong(seed_rag, monkeypatch):
    from rag.eval.runner import run_eval
    from rag.types import Answer, Citation
    from tests.conftest import KEY_QUESTION

    def answer(question, passages, model=None, mode=None):
        gold = next(p for p in passages if "500億" in p.text)
        at = gold.text.index("500億")
        # "a": the span with the amount; "b": the paragraph's first sentence, without it.
        a, b = (at - 5, at + 10) if question.endswith("？") else (0, gold.text.index("。") + 1)
        quote = Citation(key=gold.rank, paragraph_id=gold.paragraph_id, text=gold.text[a:b], start=a, end=b)
        return Answer(question=question, text="…", passages=passages, model="fake", citations=[quote])

    monkeypatch.setattr(seed_rag, "answer", answer)
    gold_text = ["每年最多可向中國輸送500億立方公尺天然氣"]
    questions = [
        EvalQuestion(question=KEY_QUESTION, qid="a", answers=["500億立方公尺"], gold_text=gold_text),
        EvalQuestion(question=KEY_QUESTION.rstrip("？"), qid="b", answers=["500億立方公尺"], gold_text=gold_text),
    ]
    report = run_eval(seed_rag, questions, answers=True, progress=False)
    scores = report["answers"]
    assert scores["citation_precision"] == 1.0  # both quote the gold paragraph
    assert scores["span_precision"] == 0.5 and scores["answers_quoting_the_answer"] == 0.5
    assert "500億" in report["per_question"][0]["cited_spans"][0] and "500億" not in report["per_question"][1]["cited_spans"][0]


def test_a_span_holds_an_answer_as_contains_reads_it():
    from rag.eval.scoring import holds_answer

    assert holds_answer("每年最多可向中國輸送 500 億立方公尺天然氣 [1]", ["500億立方公尺"])
    assert holds_answer("每年最多可向中国输送500亿立方公尺天然气", ["500億立方公尺"])  # either script
    assert not holds_answer("中俄蒙三國元首在北京舉行第七次會談。", ["500億立方公尺"])
    assert not holds_answer("任何文字", [""])  # an empty accepted answer holds nothing


def test_a_replay_shows_what_the_recording_showed():
    """A replay checks the recorded texts with the recording's answer settings: a recording
    from before they were saved showed every passage first."""
    from rag.answer.replay import ReplayBackend
    from rag.settings import Settings

    rows = [{"question": "q", "answer": "a", "model_answer": "a", "ranking": []}]
    settings = Settings(lone_passage_margin=0.75, refusal_retry_margin=0.6)
    old = ReplayBackend({"per_question": rows}, "old.json", None, settings)
    assert old.settings.answer.lone_passage_margin is None and old.settings.answer.refusal_retry_margin == 0.6
    saved = {"lone_passage_margin": 1.5, "refusal_retry_margin": None, "prompt_budget": 0, "other": 1}
    new = ReplayBackend({"per_question": rows, "answer_settings": saved}, "new.json", None, settings)
    assert (new.settings.answer.lone_passage_margin, new.settings.answer.refusal_retry_margin, new.settings.answer.prompt_budget) == (
        1.5,
        None,
        0,
    )
