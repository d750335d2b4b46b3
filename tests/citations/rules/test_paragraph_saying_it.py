from __future__ import annotations

from rag.citations.evidence import source_sentences
from rag.citations.rules.paragraph_saying_it import ParagraphSayingIt, subject_sentence_overlap
from rag.text.language import bigrams
from tests.citations.rules.evidence import claim, shown

RULE = ParagraphSayingIt()
QUESTION = "羅斯托夫州隸屬於哪個聯邦管區?"
KALMYKIA = "卡爾梅克共和國是俄羅斯聯邦主體之一，屬南部聯邦管區。西鄰斯塔夫羅波爾邊疆區和羅斯托夫州。"
ROSTOV = "羅斯托夫州是俄羅斯聯邦主體之一，屬南部聯邦管區。首府頓河畔羅斯托夫。"


def test_the_sentence_that_names_the_subject_is_the_one_that_counts():
    grams = bigrams("羅斯托夫州隸屬於南部聯邦管區。")
    own, neighbour = (subject_sentence_overlap(grams, ["罗斯托夫州"], source_sentences(p)) for p in (ROSTOV, KALMYKIA))
    assert own > 0.6 and neighbour < 0.4
    assert subject_sentence_overlap(grams, ["卡尔梅克"], source_sentences(ROSTOV)) == 0.0


def test_a_claim_moves_to_the_source_that_says_it_of_the_subject():
    where = shown([KALMYKIA, ROSTOV], QUESTION)
    choice = RULE.choose(claim("羅斯托夫州隸屬於南部聯邦管區。", [1], where), where, [1, 2], [1])
    assert choice is not None and choice.keys == [2] and "naming '羅斯托夫州' says it" in choice.reason
    assert RULE.choose(claim("羅斯托夫州隸屬於南部聯邦管區。", [2], where), where, [1, 2], [2]) is None


def test_without_the_question_there_is_no_subject():
    where = shown([KALMYKIA, ROSTOV])
    assert RULE.choose(claim("羅斯托夫州隸屬於南部聯邦管區。", [1], where), where, [1, 2], [1]) is None
