"""With sentence keys, the sentence a model pointed at is quoted when its own words fail:
a key alone, the question repeated before a key, or a lead claim no source backs."""

from __future__ import annotations

from rag.citations.pointed import NAME, bare_pointers, repeats_question
from rag.citations.verify import CitationVerifier
from rag.text.language import REFUSALS
from tests.citations.test_verify import ByTextEmbedder, NoSimilarity, para

SUMMIT = "2025年9月2日，中俄蒙三國元首在北京舉行第七次會談。"
VOLUME = "該管道途經蒙古國東部，每年最多可向中國輸送500億立方公尺天然氣。"
QUESTION = "該管道每年最多可向中國輸送多少天然氣？"
OPENED = "管道於2019年開通。"  # true, short, and not about what is asked
SOURCE = para(1, SUMMIT + VOLUME + OPENED)
POINTED = {(1, 1): SUMMIT, (1, 2): VOLUME, (1, 3): OPENED}
# The question and the sentence that answers it are close; everything else is far from both.
CLOSE = ByTextEmbedder({QUESTION: [1.0, 0.0], VOLUME: [1.0, 0.0]}, {VOLUME: [1.0, 0.0], SOURCE.text: [1.0, 0.0]})


def verify(answer: str, embedder=CLOSE, off: frozenset[str] = frozenset(), question: str = QUESTION):
    return CitationVerifier(embedder, rules_off=off).verify(answer, [SOURCE], "zh-Hant", question, POINTED)


def test_an_answer_that_is_only_keys_points_at_its_sentences():
    assert bare_pointers("[1.2]") == [(1, 2)]
    assert bare_pointers("[1.2]、[1.1]。[1.2]") == [(1, 2), (1, 1)]
    assert bare_pointers("輸送500億立方公尺 [1.2]") == []  # it says something: judged as written
    assert bare_pointers("[1]") == []  # a paragraph key points at no sentence


def test_a_key_alone_is_answered_with_the_sentence_it_points_at():
    out = verify("[1.2]")
    assert not out.abstained and out.text == VOLUME + " [1]"
    assert out.sentences[0].rule == NAME and out.sentences[0].supported
    assert [c.text for c in out.citations] == [VOLUME]
    assert verify("[1.2]", off=frozenset({NAME})).abstained  # switched off: nothing to check, withheld


def test_the_question_repeated_before_a_key_is_replaced_by_the_sentence():
    assert repeats_question("該管道每年最多可向中國輸送", QUESTION)
    assert not repeats_question("該管道每年最多可向中國輸送500億立方公尺", QUESTION)
    out = verify("該管道每年最多可向中國輸送 [1.2]。")
    assert out.text == VOLUME + " [1]" and out.sentences[0].rule == NAME


def test_an_unbacked_lead_gives_way_to_the_sentence_it_pointed_at():
    # A wrong amount: the sources do not back it, the sentence pointed at says the right one.
    out = verify("該管道每年最多可向中國輸送800億立方公尺天然氣。[1.2] 三國元首曾在上海會談。[1.1]")
    assert not out.abstained and out.text == VOLUME + " [1]"
    assert "800億" not in out.text and "上海" not in out.text  # the rest of the unbacked answer goes with it
    assert [c.text for c in out.citations] == [VOLUME]
    withheld = verify("該管道每年最多可向中國輸送800億立方公尺天然氣。[1.2]", off=frozenset({NAME}))
    assert withheld.abstained and "800億" not in withheld.text


def test_a_refusal_with_a_key_stays_a_refusal():
    out = verify(REFUSALS["zh-Hant"] + " [1.2]")
    assert out.abstained and out.text == REFUSALS["zh-Hant"] and not out.citations


def test_a_quote_far_from_the_question_is_withheld_like_any_answer():
    # e5 puts the pointed sentence nowhere near the question: the answer rules still judge it.
    out = verify("[1.2]", embedder=NoSimilarity())
    assert out.abstained and out.sentences[0].rule == "lead-close-to-question"


def test_without_sentence_keys_nothing_is_quoted():
    out = CitationVerifier(CLOSE).verify("[1]", [SOURCE], "zh-Hant", QUESTION)
    assert out.abstained


def test_a_refusal_in_the_models_own_words_is_not_replaced_by_what_it_pointed_at():
    for refusal in ("資料中沒有提到該管道每年的輸送量。[1.2]", "资料中未提及该管道的输送量。[1.2]", "The sources do not mention it. [1.2]"):
        out = verify(refusal)
        assert out.abstained and VOLUME not in out.text, refusal


def test_only_a_sentence_that_shares_words_with_the_question_is_quoted():
    assert verify("[1.3]").abstained  # short and about something else: too short for the closeness rule
    out = verify("[1.3][1.2]")  # the first pointed at fails, the second answers
    assert not out.abstained and out.text == VOLUME + " [1]"
    out = verify("該管道每年最多可向中國輸送 [1.3]。")  # nothing quotable: judged as written
    assert OPENED not in out.text


def test_an_answer_of_keys_alone_quotes_only_the_first_sentence_that_passes():
    # Both sentences share words with the question and pass their checks: the first answers.
    also = "該管道每年向中國輸送的天然氣由俄羅斯供應。"
    source = para(1, SUMMIT + VOLUME + also)
    close = ByTextEmbedder({QUESTION: [1.0, 0.0], VOLUME: [1.0, 0.0], also: [1.0, 0.0]}, {VOLUME: [1.0, 0.0], source.text: [1.0, 0.0]})
    out = CitationVerifier(close).verify("[1.2] [1.3]", [source], "zh-Hant", QUESTION, {(1, 2): VOLUME, (1, 3): also})
    assert out.text == VOLUME + " [1]" and [c.text for c in out.citations] == [VOLUME]


class Counting(ByTextEmbedder):
    """Counts how often the shown sources are encoded."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.source_batches = 0

    def encode_passages(self, texts):
        self.source_batches += SOURCE.text in texts
        return super().encode_passages(texts)


def test_the_sources_are_encoded_once_when_a_quote_is_weighed_after_the_models_claim():
    counting = Counting(CLOSE.queries, CLOSE.passages)
    out = verify("該管道每年最多可向中國輸送800億立方公尺天然氣。[1.2]", embedder=counting)
    assert out.text == VOLUME + " [1]" and counting.source_batches == 1
