from __future__ import annotations

from rag.citations.evidence import source_sentences
from rag.citations.rules.paragraph_saying_it import subject_sentence_overlap
from rag.citations.rules.subject_not_swapped import swapped_subject as swapped
from rag.citations.thresholds import CitationThresholds
from rag.text.language import bigrams, normalize_for_matching

KUBLAI = (
    "庚申年三月二十四日，忽必烈在開平自立為「大蒙古國皇帝」，稱他的哥哥元憲宗蒙哥為「先皇」。"
    "忽必烈於庚申年三月二十四日自立為汗，又稱漢文的「皇帝」，以招攬漢族知識分子歸心。"
)


def swapped_subject(sentence: str, name: str, sentences: tuple[str, ...]) -> str | None:
    return swapped(sentence, name, sentences, CitationThresholds())


def n(text: str) -> str:
    return normalize_for_matching(text)


def test_a_copied_sentence_with_the_question_name_put_in_is_a_swap():
    # DRCD --seed 2027: the question asked about 蒙哥; the paragraph names him, as a brother.
    answer = n("蒙哥於庚申年三月二十四日自立為汗，又稱漢文的「皇帝」。")
    assert swapped_subject(answer, "蒙哥", source_sentences(KUBLAI)) == "忽必烈"


def test_the_same_words_said_of_the_name_are_no_swap():
    answer = n("忽必烈於庚申年三月二十四日自立為汗，又稱漢文的「皇帝」。")
    assert swapped_subject(answer, "忽必烈", source_sentences(KUBLAI)) is None
    # The paragraph says it of 蒙哥 somewhere: no swap, whatever another sentence says.
    both = KUBLAI + "蒙哥於庚申年三月二十四日自立為汗。"
    assert swapped_subject(n("蒙哥於庚申年三月二十四日自立為汗。"), "蒙哥", source_sentences(both)) is None


def test_a_pronoun_or_an_elided_subject_is_no_swap():
    # Chinese drops or pronouns a subject named in the sentence before.
    for paragraph in ("蒙哥是拖雷的長子。他於1251年7月1日成為大蒙古國大汗。", "蒙哥是拖雷的長子。其後於1251年7月1日成為大蒙古國大汗。"):
        answer = n("蒙哥於1251年7月1日成為大蒙古國大汗。")
        assert swapped_subject(answer, "蒙哥", source_sentences(paragraph)) is None, paragraph
    # Neither is a sentence that only shares a few words with the source.
    assert swapped_subject(n("蒙哥於庚申年去世。"), "蒙哥", source_sentences(KUBLAI)) is None


def test_the_sentence_that_names_the_subject_is_the_one_that_counts():
    claim = bigrams("羅斯托夫州隸屬於南部聯邦管區。")
    rostov = source_sentences("羅斯托夫州是俄羅斯聯邦主體之一，屬南部聯邦管區。首府頓河畔羅斯托夫。")
    kalmykia = source_sentences("卡爾梅克共和國是俄羅斯聯邦主體之一，屬南部聯邦管區。西鄰斯塔夫羅波爾邊疆區和羅斯托夫州。")
    own, neighbour = (subject_sentence_overlap(claim, ["罗斯托夫州"], s) for s in (rostov, kalmykia))
    assert own > 0.6 and neighbour < 0.4
    assert subject_sentence_overlap(claim, ["卡尔梅克"], rostov) == 0.0
