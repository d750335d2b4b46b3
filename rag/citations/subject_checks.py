"""Whose claim is it?  Two checks of an answer sentence that names what the question asks
about (rag.text.names), made sentence by sentence inside a paragraph, where the
verifier's other checks look at the paragraph as a whole.

- ``swapped_subject``: the sentence copies a source sentence but puts the question's name
  where the source has someone else. The DRCD answer (--seed 2027 sample) to "蒙哥在哪一年
  成為大蒙古國大汗?" began "蒙哥於庚申年三月二十四日自立為汗…", copied from "忽必烈於庚申年
  三月二十四日自立為汗…"; the paragraph also names 蒙哥 (as 忽必烈's brother), so the
  paragraph-level checks passed it.
- ``subject_sentence_overlap``: how much of the sentence one source sentence that names the
  subject holds. A claim about 羅斯托夫州 (same sample) was cited to the paragraph on
  Kalmykia, which names Rostov only as a neighbour and says "屬南部聯邦管區" of Kalmykia;
  the paragraph on Rostov says it in the sentence that names Rostov.

Answer sentences come in matching form (rag.text.language.normalize_for_matching); paragraphs
come as written, and ``source_sentences`` gives their sentences in matching form.
"""

from __future__ import annotations

import re

from rag.text.language import bigrams, normalize_for_matching
from rag.text.names import GLUE, as_written, name_in
from rag.text.sentences import sentence_spans

# Characters of the sentence either side of the name that must recur in the source around
# another subject: four Han characters or digits ("于庚申年") rarely recur by chance.
CONTEXT_CHARS = 4
# The source sentence must hold this share of the sentence's other bigrams: a copy, not a
# sentence that shares a date with it ("蒙哥於庚申年去世" against "忽必烈於庚申年…自立為汗": 0.6).
MIN_COPY_OVERLAP = 0.8
# A claim moves to a paragraph whose sentence naming the subject holds this much more of it
# than any such sentence of the cited paragraph (the 羅斯托夫州 claim: 0.69 against 0.38), and
# at least this share (the verifier's bar for support by words).
SUBJECT_MARGIN = 0.25
MIN_SUBJECT_OVERLAP = 0.5
_CONTEXT = re.compile(r"^[\u3400-\u9fff0-9]+$")
# What may stand where the name was without being another subject: a pronoun refers back,
# and glue ("其后", "并") belongs to a sentence whose subject was named before it.
_NOT_A_SUBJECT = GLUE | frozenset("他她它其该此彼并又亦")
_SUBJECT_RUN = re.compile(r"[\u3400-\u9fffA-Za-z·]{1,4}$")


def source_sentences(paragraph: str) -> list[str]:
    """The paragraph's sentences in matching form."""
    return [normalize_for_matching(paragraph[a:b]) for a, b in sentence_spans(paragraph) or [(0, len(paragraph))]]


def swapped_subject(sentence: str, name: str, sentences: list[str]) -> str | None:
    """The words a source sentence has where ``sentence`` has ``name`` ("忽必烈"), when
    ``sentence`` is otherwise a copy of it; None when nothing was swapped. The paragraph
    (``sentences``) must nowhere say ``name`` next to the same words."""
    paragraph = "".join(sentences)
    rest = bigrams(sentence.replace(name, ""))
    for at in (m.start() for m in re.finditer(re.escape(name), sentence)):
        after = sentence[at + len(name) : at + len(name) + CONTEXT_CHARS]
        before = sentence[max(0, at - CONTEXT_CHARS) : at]
        for context, follows in ((after, True), (before, False)):
            if len(context) < CONTEXT_CHARS or not _CONTEXT.match(context):
                continue
            said = name + context if follows else context + name
            if said in paragraph:
                continue
            for source in sentences:
                if context not in source or name_in(name, source):
                    continue
                if not rest or len(rest & bigrams(source)) / len(rest) < MIN_COPY_OVERLAP:
                    continue
                where = source.index(context)
                other = source[:where] if follows else source[where + len(context) :][::-1]
                run = _SUBJECT_RUN.search(other)
                subject = _after_glue(run.group(0)) if run else ""
                if len(subject) >= 2:
                    return subject if follows else subject[::-1]
    return None


def _after_glue(run: str) -> str:
    """The end of ``run`` after its last pronoun or glue character ("其后" -> "")."""
    cut = max((i + 1 for i, c in enumerate(run) if c in _NOT_A_SUBJECT), default=0)
    return run[cut:]


def subject_sentence_overlap(grams: set[str], names: list[str], sentences: list[str]) -> float:
    """Share of ``grams`` (an answer sentence's bigrams) in the one source sentence that best
    holds them among those naming one of ``names``; 0.0 when no sentence names one."""
    if not grams:
        return 0.0
    naming = [source for source in sentences if any(name_in(name, source) for name in names)]
    return max((len(grams & bigrams(source)) / len(grams) for source in naming), default=0.0)


def swap_reason(sentence: str, names: list[str], paragraph: str, sentences: list[str], key: int, question: str) -> str:
    """Why paragraph [``key``] (``sentences``: its ``source_sentences``) does not back
    ``sentence`` (matching form), which copies one of its sentences with one of the
    question's ``names`` put in another subject's place; "" when it does not."""
    for name in names:
        other = swapped_subject(sentence, name, sentences)
        if other:
            return f"puts '{as_written(name, question)}' where [{key}] says '{as_written(other, paragraph)}'"
    return ""


def paragraph_saying_it(
    grams: set[str], names: list[str], cited: list[int], passing: list[int], sentences: dict[int, list[str]]
) -> int | None:
    """Among ``passing`` paragraphs (key -> their ``source_sentences`` in ``sentences``), the
    one whose sentence naming the subject holds far more of the claim (``grams``) than any
    such sentence of the ``cited`` ones: there the claim is said of the subject, not of a
    neighbour. None if no paragraph does."""
    said = {k: subject_sentence_overlap(grams, names, sentences[k]) for k in {*passing, *cited}}
    best = max(passing, key=lambda k: said[k], default=None)
    if best is None or best in cited or said[best] < MIN_SUBJECT_OVERLAP:
        return None
    return best if said[best] - max(said[k] for k in cited) >= SUBJECT_MARGIN else None
