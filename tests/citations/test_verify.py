from __future__ import annotations

import numpy as np

from rag.citations.claims import split_cited_sentences
from rag.citations.verify import CitationVerifier
from rag.text.language import REFUSALS
from rag.types import Passage

PIPELINE = "該管道途經蒙古國東部，依其管道孔徑大小，俄羅斯每年最多可向中國輸送500億立方公尺天然氣，成為中俄之間最重要的能源動脈。"
FEE = "對蒙古國而言，每年可以獲得10億美元的能源過境費收入（佔其GDP的2-3%）。"


class NoSimilarity:
    """Stands in for the embedder so that only the number, name and overlap rules decide."""

    def encode_queries(self, texts):
        return np.zeros((len(texts), 4), np.float32)

    def encode_passages(self, texts):
        return np.zeros((len(texts), 4), np.float32)


def passages():
    return [
        Passage(
            paragraph_id="d#p8",
            doc_id="d",
            score=1,
            text=PIPELINE,
            start=100,
            end=100 + len(PIPELINE),
            match_start=100,
            match_end=160,
            rank=1,
        ),
        Passage(paragraph_id="d#p9", doc_id="d", score=1, text=FEE, start=300, end=300 + len(FEE), match_start=300, match_end=330, rank=2),
    ]


def verify(text, lang="zh-Hant"):
    return CitationVerifier(NoSimilarity()).verify(text, passages(), lang)


def test_markers_after_the_full_stop_belong_to_the_sentence_before():
    assert split_cited_sentences("甲乙丙。[1] 丁戊己[2][3]。") == [("甲乙丙。", [1]), ("丁戊己。", [2, 3])]
    assert split_cited_sentences("One. [1, 2] Two [3].") == [("One.", [1, 2]), ("Two.", [3])]


def test_correct_citation_is_kept_with_the_supporting_span():
    out = verify("俄羅斯每年最多可向中國輸送500億立方公尺天然氣。[1]")
    assert not out.abstained
    assert out.sentences[0].supported and out.sentences[0].keys == [1]
    cite = out.citations[0]
    assert cite.paragraph_id == "d#p8" and "500億立方公尺" in cite.text
    assert PIPELINE[cite.start - 100 : cite.end - 100] == cite.text


def test_wrong_citation_is_repointed():
    out = verify("蒙古國每年可以獲得10億美元的能源過境費收入。[1]")
    s = out.sentences[0]
    assert s.cited == [1] and s.keys == [2] and s.supported
    assert "re-pointed" in s.reason
    assert out.text.endswith("[2]") and "[1]" not in out.text


def test_uncited_sentence_gets_a_citation():
    out = verify("俄羅斯每年最多可向中國輸送500億立方公尺天然氣。")
    assert out.sentences[0].keys == [1] and "added" in out.sentences[0].reason


def test_wrong_number_is_flagged_not_cited():
    out = verify("蒙古國每年可以獲得10億美元的能源過境費收入。[2] 俄羅斯每年最多可向中國輸送5000億立方公尺天然氣。[1]")
    good, bad = out.sentences
    assert good.supported and not bad.supported
    assert "500,000,000,000" in bad.reason
    assert all("5000億" not in c.text for c in out.citations)


def test_refusal_plus_answer_keeps_the_supported_answer():
    out = verify(REFUSALS["zh-Hant"] + " 俄羅斯每年最多可向中國輸送500億立方公尺天然氣。")
    assert not out.abstained and "500億" in out.text and REFUSALS["zh-Hant"] not in out.text


def test_plain_refusal_and_unsupported_answer_abstain():
    assert verify(REFUSALS["zh-Hans"]).abstained
    out = verify("法國總統是馬克宏，他在巴黎工作。[1]")
    assert out.abstained and out.citations == [] and out.text == REFUSALS["zh-Hant"]
    assert out.sentences and out.sentences[0].supported is False


def test_unsupported_lead_sentence_withholds_the_answer_but_keeps_the_draft():
    # The lead states a wrong number; the sentence after it is supported on its own.
    out = verify("俄羅斯每年最多可向中國輸送5000億立方公尺天然氣。[1] 蒙古國每年可以獲得10億美元的能源過境費收入。[2]")
    assert out.abstained and out.text == REFUSALS["zh-Hant"] and out.citations == []
    lead, after = out.sentences
    assert lead.supported is False and "500,000,000,000" in lead.reason
    assert after.supported and after.keys == [2]


def test_forged_marker_for_a_passage_that_does_not_exist_is_dropped():
    out = verify("俄羅斯每年最多可向中國輸送500億立方公尺天然氣。[7]")
    assert out.sentences[0].keys == [1]


def test_cross_language_sentence_keeps_only_its_best_key():

    class FixedSimilarity:  # sentence 0 is closer to passage 1 than to passage 2
        def encode_queries(self, texts):
            return np.array([[1.0, 0.0]] * len(texts), dtype="float32")

        def encode_passages(self, texts):
            return np.array([[0.9, 0.436], [0.85, 0.527]], dtype="float32")[: len(texts)]

    passages = [
        Passage(
            paragraph_id="d#p1", doc_id="d", score=1, text="演練在9月8日至9日舉行。", start=0, end=12, match_start=0, match_end=12, rank=1
        ),
        Passage(
            paragraph_id="d#p2", doc_id="d", score=1, text="9月8日三國元首會面。", start=20, end=30, match_start=20, match_end=30, rank=2
        ),
    ]
    out = CitationVerifier(FixedSimilarity()).verify("The drill was held on September 8 and 9. [1][2]", passages, "en")  # type: ignore[arg-type]
    assert out.sentences[0].keys == [1]


def test_cross_language_claim_needs_a_source_sentence_that_says_it():
    """The paragraph as a whole is close to the claim, but none of its sentences says it."""
    first, second = "三國舉行聯合反恐演練。", "演練地點在蒙古國東部。"
    vectors = {
        "claim": [1.0, 0.0],  # the English sentence
        first + second: [0.85, 0.527],  # whole paragraph: passes the paragraph-level bar
        first: [0.78, 0.626],  # ... but its closest sentence is below the quote bar
        second: [0.5, 0.866],
    }

    class ByText:
        def encode_queries(self, texts):
            return np.array([vectors["claim"]] * len(texts), dtype="float32")

        def encode_passages(self, texts):
            return np.array([vectors[t] for t in texts], dtype="float32")

    text = first + second
    source = Passage(paragraph_id="d#p2", doc_id="d", score=1, text=text, start=0, end=len(text), match_start=0, match_end=5, rank=1)
    out = CitationVerifier(ByText()).verify("This aligns with their joint strategy in the drills. [1]", [source], "en")  # type: ignore[arg-type]
    assert out.sentences[0].supported is False and out.citations == []

    vectors[first] = [0.84, 0.543]  # a sentence that does say it: supported
    out = CitationVerifier(ByText()).verify("This aligns with their joint strategy in the drills. [1]", [source], "en")  # type: ignore[arg-type]
    assert out.sentences[0].keys == [1]


def test_same_language_citation_moves_to_the_paragraph_with_the_words():
    claim = "聖母院博物館位於主教座堂旁，收藏中世紀原稿。"
    source = "聖母院博物館位於主教座堂旁，收藏中世紀原稿和彩色玻璃。"
    related = "聖母院博物館位於主教座堂南側的廣場。"  # 0.58 of the claim's bigrams

    def para(rank, text):
        return Passage(
            paragraph_id=f"d#p{rank}", doc_id="d", score=1, text=text, start=0, end=len(text), match_start=0, match_end=1, rank=rank
        )

    verifier = CitationVerifier(NoSimilarity())
    out = verifier.verify(claim + "[2]", [para(1, source), para(2, related)], "zh-Hant")
    s = out.sentences[0]
    assert s.supported and s.cited == [2] and s.keys == [1] and "words" in s.reason
    # Close in words (within WORDS_MARGIN): the model's own citation stands.
    near = "聖母院博物館位於主教座堂旁，收藏中世紀的文物。"
    out = verifier.verify(claim + "[2]", [para(1, source), para(2, near)], "zh-Hant")
    assert out.sentences[0].keys == [2] and out.sentences[0].reason == ""


class ByTextEmbedder:
    """Vectors chosen per text, so a test sets each similarity it needs; unknown texts are 0."""

    def __init__(self, queries: dict[str, list[float]], passages: dict[str, list[float]]) -> None:
        self.queries, self.passages = queries, passages

    def _encode(self, table, texts):
        return np.array([table.get(t, [0.0, 0.0]) for t in texts], dtype="float32")

    def encode_queries(self, texts):
        return self._encode(self.queries, texts)

    def encode_passages(self, texts):
        return self._encode(self.passages, texts)


def para(rank: int, text: str) -> Passage:
    return Passage(paragraph_id=f"d#p{rank}", doc_id="d", score=1, text=text, start=0, end=len(text), match_start=0, match_end=1, rank=rank)


def test_a_bare_list_of_names_needs_every_name_in_the_paragraph():
    source = para(1, "石勒與劉曜爭奪關中，後趙滅前趙。")
    verifier = CitationVerifier(NoSimilarity())
    # Two of three names are there: 0.67 of the bigrams, enough overlap, but not a source for 冉閔.
    out = verifier.verify("石勒 劉曜 冉閔 [1]", [source], "zh-Hant")
    assert out.sentences[0].supported is False and "冉閔" in out.sentences[0].reason and out.abstained
    out = verifier.verify("石勒 刘曜 [1]", [source], "zh-Hant")  # Simplified folds to Traditional
    assert out.sentences[0].keys == [1] and not out.abstained


def test_same_language_similarity_alone_must_pick_the_closest_paragraph():
    claim = "烽火台的修築比長城早。"
    first, second = para(1, "長城體系設有烽燧傳遞情報。"), para(2, "隋朝多次徵發丁壯築牆防衛突厥。")
    # Both clear MIN_SIMILARITY (0.86) with little bigram overlap; [1] is closer by 0.012.
    embedder = ByTextEmbedder({claim: [1.0, 0.0]}, {first.text: [0.877, 0.48], second.text: [0.865, 0.5]})
    out = CitationVerifier(embedder).verify(claim + "[2]", [first, second], "zh-Hant")  # type: ignore[arg-type]
    s = out.sentences[0]
    assert s.supported and s.cited == [2] and s.keys == [1]


def test_a_sentence_that_strays_from_the_question_is_left_out():
    question = "管道每年最多可輸送多少天然氣？"
    lead = "俄羅斯每年最多可向中國輸送500億立方公尺天然氣。"
    stray = "蒙古國每年可以獲得10億美元的能源過境費收入。"
    queries = {question: [1.0, 0.0]}
    # The stray sentence is 0.10 further from the question than the lead, and only [2] backs it.
    embedder = ByTextEmbedder(queries, {lead: [0.92, 0.39], stray: [0.82, 0.57]})
    out = CitationVerifier(embedder).verify(f"{lead}[1]{stray}[2]", passages(), "zh-Hant", question)  # type: ignore[arg-type]
    assert out.text == lead + " [1]" and [c.key for c in out.citations] == [1]
    kept, left = out.sentences
    assert kept.about_question and left.supported and left.keys == [2] and not left.about_question
    assert "further from the question" in left.reason

    # Close to the question (within OFF_QUESTION_GAP): it stays.
    embedder = ByTextEmbedder(queries, {lead: [0.92, 0.39], stray: [0.89, 0.46]})
    out = CitationVerifier(embedder).verify(f"{lead}[1]{stray}[2]", passages(), "zh-Hant", question)  # type: ignore[arg-type]
    assert [c.key for c in out.citations] == [1, 2] and all(s.about_question for s in out.sentences)
    # Without the question there is nothing to measure against: nothing is left out.
    out = CitationVerifier(embedder).verify(f"{lead}[1]{stray}[2]", passages(), "zh-Hant")  # type: ignore[arg-type]
    assert len(out.citations) == 2


def test_a_far_sentence_backed_by_the_lead_paragraph_stays():
    """Listing the rest of the answer from the same paragraph is still answering."""
    question = "管道的輸送量與路線？"
    lead = "俄羅斯每年最多可向中國輸送500億立方公尺天然氣。"
    more = "該管道途經蒙古國東部，是中俄之間最重要的能源動脈。"
    embedder = ByTextEmbedder({question: [1.0, 0.0]}, {lead: [0.95, 0.31], more: [0.80, 0.6]})
    out = CitationVerifier(embedder).verify(f"{lead}[1]{more}[1]", passages(), "zh-Hant", question)  # type: ignore[arg-type]
    assert more in out.text and [s.keys for s in out.sentences] == [[1], [1]] and all(s.about_question for s in out.sentences)


def test_a_long_lead_far_from_the_question_withholds_the_answer():
    question = "管道每年的輸送量是多少？"  # shares words with the lead: e5 closeness decides
    lead = "俄羅斯每年最多可向中國輸送500億立方公尺天然氣。"  # 24 characters, backed by [1]
    far = ByTextEmbedder({question: [1.0, 0.0]}, {lead: [0.84, 0.54]})
    out = CitationVerifier(far).verify(f"{lead}[1]", passages(), "zh-Hant", question)  # type: ignore[arg-type]
    assert out.abstained and out.text == REFUSALS["zh-Hant"] and out.citations == []
    s = out.sentences[0]
    assert s.supported and not s.about_question and "does not answer the question" in s.reason

    near = ByTextEmbedder({question: [1.0, 0.0]}, {lead: [0.90, 0.44]})
    assert not CitationVerifier(near).verify(f"{lead}[1]", passages(), "zh-Hant", question).abstained  # type: ignore[arg-type]
    # A short lead ("500億立方公尺。", under long_lead_chars) is not judged on closeness.
    short = ByTextEmbedder({question: [1.0, 0.0]}, {"500億立方公尺。": [0.78, 0.63]})
    assert not CitationVerifier(short).verify("500億立方公尺。[1]", passages(), "zh-Hant", question).abstained  # type: ignore[arg-type]


def test_list_numbering_is_not_a_number():
    answer = "西伯利亞力量2號管道：\n\n1. 俄羅斯每年最多可向中國輸送500億立方公尺天然氣。\n\n2. 該管道途經蒙古國東部。"
    out = CitationVerifier(NoSimilarity()).verify(answer, passages(), "zh-Hant")
    first, second = out.sentences[-2:]
    assert first.text.startswith("俄羅斯") and first.keys == [1] and second.keys == [1]
    # A colon does not exempt a claim of the model's own: 2020 is in no paragraph.
    out = CitationVerifier(NoSimilarity()).verify(
        "蒙古在2020年加入北約，原因如下：\n\n1. 俄羅斯每年最多可向中國輸送500億立方公尺天然氣。",
        passages(),
        "zh-Hant",
        "蒙古為何加入北約？",
    )
    assert out.sentences[0].supported is False and out.abstained


def test_a_failed_citation_moves_to_the_paragraph_with_the_words_not_the_most_similar():
    claim = "史都華於1985年獲頒奧斯卡終身成就獎。"
    says_it = para(1, "1985年，當史都華得到奧斯卡終身成就獎時，曾對卡普拉表示感謝。")
    other_award = para(2, "1985年，史都華得到專為頒發給優秀西部片演員的金靴獎。")
    wrong = para(3, "史都華出生於賓夕法尼亞州。")  # the model's key: no 1985
    # The other award's paragraph is the more similar (0.95 against 0.87), the first has the words.
    embedder = ByTextEmbedder({claim: [1.0, 0.0]}, {says_it.text: [0.87, 0.49], other_award.text: [0.95, 0.31]})
    out = CitationVerifier(embedder).verify(claim + "[3]", [says_it, other_award, wrong], "zh-Hant")  # type: ignore[arg-type]
    assert out.sentences[0].keys == [1] and "re-pointed" in out.sentences[0].reason


def test_a_sentence_naming_the_question_subject_needs_a_source_that_names_it():
    question = "螭頭的主要功能是?"
    # The model restated the question and copied a paragraph about dams: the words match.
    dams = para(1, "水壩的主要功能是用作屏障，用來防止洪水泛濫、生產水力發電、儲水作飲食或灌溉之用。")
    answer = "螭頭的主要功能是用作水壩的屏障，用來防止洪水泛濫、生產水力發電。[1]"
    close = ByTextEmbedder({question: [1.0, 0.0]}, {"螭頭的主要功能是用作水壩的屏障，用來防止洪水泛濫、生產水力發電。": [0.95, 0.31]})
    out = CitationVerifier(close).verify(answer, [dams], "zh-Hant", question)  # type: ignore[arg-type]
    s = out.sentences[0]
    assert s.supported is False and s.keys == [] and out.abstained
    assert "'螭頭', which the question asks about, is not in [1]" in s.reason
    # A source names it, but not the cited one: that paragraph cannot back the sentence either.
    terrace = para(2, "每一欄杆下又向外伸出一石螭頭，用於壇面排水。")
    out = CitationVerifier(close).verify(answer, [dams, terrace], "zh-Hant", question)  # type: ignore[arg-type]
    s = out.sentences[0]
    assert s.supported is False and out.abstained and "'螭頭', which the question asks about, is not in [1]" in s.reason
    # A paragraph that names it and has the words backs it (the citation moves there).
    both = para(2, "螭頭的主要功能是用作屏障，用來防止洪水泛濫。")
    out = CitationVerifier(close).verify(answer, [dams, both], "zh-Hant", question)  # type: ignore[arg-type]
    assert out.sentences[0].keys == [2] and not out.abstained
    # Without the question there is no name to look for.
    assert CitationVerifier(close).verify(answer, [dams], "zh-Hant").sentences[0].supported  # type: ignore[arg-type]


def test_a_claim_moves_to_the_paragraph_that_says_it_of_the_question_subject():
    # DRCD --seed 2027: a right claim about 羅斯托夫州 was cited to the paragraph on its
    # neighbour Kalmykia, which says "屬南部聯邦管區" of Kalmykia and names Rostov elsewhere.
    question = "羅斯托夫州隸屬於哪一個聯邦?"
    kalmykia = para(1, "卡爾梅克共和國是俄羅斯聯邦主體之一，隸屬於南部聯邦管區。西鄰斯塔夫羅波爾邊疆區和羅斯托夫州。")
    rostov = para(2, "羅斯托夫州是俄羅斯聯邦主體之一，屬南部聯邦管區。首府頓河畔羅斯托夫。")
    out = CitationVerifier(NoSimilarity()).verify("羅斯托夫州隸屬於南部聯邦管區。[1]", [kalmykia, rostov], "zh-Hant", question)
    s = out.sentences[0]
    assert s.keys == [2] and "whose sentence naming '羅斯托夫州' says it" in s.reason
    # Without the question's subject the paragraph with more of the words keeps it.
    out = CitationVerifier(NoSimilarity()).verify("羅斯托夫州隸屬於南部聯邦管區。[1]", [kalmykia, rostov], "zh-Hant")
    assert out.sentences[0].keys == [1]


def test_a_short_answer_is_checked_like_any_claim():
    verifier = CitationVerifier(NoSimilarity())
    religion = para(1, "猶太教認為自殺等同於否定上帝在全世界的善舉。")
    ranking = para(2, "南加大在2016年USNEWS的排名中名列第22名。")
    out = verifier.verify("猶太教。[1]", [religion, ranking], "zh-Hant")
    assert out.sentences[0].supported and out.sentences[0].keys == [1] and not out.abstained
    # In no paragraph, a short answer is unsupported, and an answer of nothing else is withheld.
    out = verifier.verify("日本。[1]", [religion, ranking], "zh-Hant")
    assert out.sentences[0].supported is False and out.abstained
