"""Follow-up questions made to stand alone before retrieval, without a model.

A question that leans on earlier turns (a pronoun or demonstrative: 它, 其, 該, 這, 對此,
這樣做, this, it, they, there, "the largest one"; an ellipsis: 「那中國呢？」, "And Mongolia?";
a few words with no subject of their own: 「什麼時候完工？」; a nameless English question
about "the building"; a short Chinese question that opens with its predicate:
「在日本排第幾？」; or, when the caller can tell, a question with no name of its own that
finds no clear match by itself) is searched and answered together with the subject terms of
the conversation's previous question: its proper names and nouns (jieba's tags for
Chinese, capitalised runs and uncommon words for English), or, when jieba finds no name in
a Chinese one, its own words less what it asked. An ellipsis that names a new
subject puts it in the place of the previous question's name ("中國" for "蒙古國"); one
that names a new attribute ("人口呢？") keeps the previous subject. A question that stands
alone is left alone. Each earlier question is made standalone in turn, so the subject
carries through a chain of follow-ups.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from wordfreq import zipf_frequency

from rag.retrieval.fusion import rank_share, top_margin
from rag.text.language import detect_language, normalize_for_matching
from rag.text.names import tagged_words
from rag.types import Passage, Scope, Turn

if TYPE_CHECKING:
    from rag.retrieval.retriever import Retriever


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


# Chinese words (matching form) that point back: personal and demonstrative pronouns, and
# words built on 这/那/该/此 (这座, 该国, 此后). Interrogatives (哪, 什么) and 其他 ("other") do not.
_POINTERS = frozenset(_words("它 它们 其 其中 他 他们 她 她们 前者 后者 上述 当地 当时 同年 对方 双方 两者 两国 三国 对此 对于此"))
_POINTER_PREFIXES = ("这", "那", "该", "此")
_NOT_POINTERS = frozenset(_words("其他 其它 其余 那么 这么 那样 这样 那么多 这么多"))
_NOUN_TAGS = ("n", "nr", "ns", "nt", "nz", "nrt", "nrfg", "eng", "vn", "nw")
_NAME_TAGS = frozenset({"nr", "ns", "nt", "nz", "nrt", "nrfg", "eng"})
_LEADS_ZH = ("那么", "那", "还有", "另外", "至于", "而", "然后")
_ELLIPSIS_ZH = re.compile(r"^(?:那么|那|还有|另外|至于|而)?(?P<what>.{1,16}?)呢[？?！!。]*$")

_EN_POINTERS = frozenset(_words("it its they them their theirs this that these those he him his she her hers former latter"))
_EN_ELLIPSIS = re.compile(r"^(?:and|but|also)?\s*(?:what|how)\s+about\s+(?P<what>.+?)[?.!]*$|^and\s+(?P<and>[^?]+?)[?.!]*$", re.I)
# "there" as a place ("built there"; not "is there"), and "one" standing for a noun ("the largest one").
_EN_THERE_ONE = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bhas )(?<!\bhave )(?<!\bhad )(?<!\bwill )(?<!\bwould )(?<!\bcould )"
    r"(?<!\bcan )(?<!\bmight )(?<!\bmay )(?<!\bbe )(?<!\bbeen )\bthere\b(?!\s+(?:is|are|was|were|be|been|has|have|had|'s)\b)"
    r"|\b(?:the|this|that)\s+(?:\w+est\s+)?ones?\b",
    re.I,
)
# "the island" not followed by what tells which ("the island of ...", "the island that ...").
_EN_DEFINITE = re.compile(r"\bthe\s+([a-z]+)(?:'s)?\b(?!\s+(?:of|in|on|at|from|for|by|to|with|that|which|who|whose|where)\b)")
_EN_NAME = re.compile(r"[A-Z][\w-]*(?:(?:\s+(?:of|the|de|and))?\s+(?!\w+'s)[A-Z0-9][\w-]*)*|[A-Z][\w-]*(?='s)")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[,.]\d+)*")
_PREDICATE_TAGS = frozenset({"v", "vd", "p", "d", "a", "ad", "c"})
# Words (whole, in matching form) a Chinese question asks with, left out of a question carried along.
_QUESTION_WORDS_ZH = re.compile(r"哪[一个里儿些种位年天]*|什么|甚么|谁|几[个年天次]?|多少|何[时处地]?|如何|怎么样?|吗|呢|是|的")


@dataclass(frozen=True)
class Rewrite:
    question: str
    standalone: str
    previous: str = ""  # the conversation's previous question (standalone), if any

    @property
    def rewritten(self) -> bool:
        return self.standalone != self.question


@dataclass(frozen=True)
class FollowUpTuning:
    """When a question leans on the one before. Set by hand on the development conversation
    sets (questions/conversations.jsonl) and checked on held-out ones (docs/conversations.md)."""

    en_noun_seen: float = 3.0  # zipf: rarer words after "the" are mostly terms that say which one themselves
    en_definite_words: int = 8  # longer nameless questions ("How does the immune system work?") mostly say what they mean
    en_function: float = 4.5  # zipf: a capitalised first word this common is capitalised as the first word ("What"), not as a name
    en_common: float = 5.0  # zipf: words this common ("year", "many") carry no subject
    short_zh: int = 8  # Han characters: a question this short with no name of its own leans on context
    short_en: int = 5  # words: the same for English
    subjectless_zh: int = 12  # Han characters: a question this short may open with its predicate


TUNING = FollowUpTuning()


def _zh_words(text: str) -> list[tuple[str, str]]:
    return [(w, t) for w, t in tagged_words(text) if w.strip()]


def subject_terms(question: str, sentence: bool = True) -> tuple[list[str], list[str]]:
    """(names, other nouns) of a question, in its own characters, in order. ``sentence``:
    the text starts a sentence, so its capitalised first word may be no name."""
    if detect_language(question) == "en":
        # Capitalised runs ("Power of Siberia 2"), each ending at a possessive ("Mongolia's").
        runs = [r.strip() for r in _EN_NAME.findall(question)]
        names = [r for r in runs if not (sentence and question.startswith(r) and zipf_frequency(r.lower(), "en") >= TUNING.en_function)]
        named = " ".join(names).lower()
        words = [w.removesuffix("'s") for w in _EN_WORD.findall(question)]
        others = [w for w in words if w.lower() not in named and len(w) > 2 and zipf_frequency(w.lower(), "en") < TUNING.en_common]
        return list(dict.fromkeys(names)), list(dict.fromkeys(others))
    names, others = [], []
    for word, tag in _zh_words(question):
        plain = normalize_for_matching(word)
        if len(plain) < 2 or plain in _POINTERS or plain.startswith(_POINTER_PREFIXES):
            continue
        if tag in _NAME_TAGS:
            names.append(word)
        elif tag.startswith(_NOUN_TAGS):
            others.append(word)
    return list(dict.fromkeys(names)), list(dict.fromkeys(others))


def _points_back(question: str, language: str) -> bool:
    if language == "en":
        return any(w.lower() in _EN_POINTERS for w in _EN_WORD.findall(question)) or bool(_EN_THERE_ONE.search(question))
    for word, _ in _zh_words(question):
        plain = normalize_for_matching(word)
        if plain in _NOT_POINTERS and not (plain in {"这样", "那样"} and plain + "做" in normalize_for_matching(question)):  # 這樣做
            continue
        if plain in _POINTERS or (plain.startswith(_POINTER_PREFIXES) and plain not in {"那里是", "这是"}):
            return True
    return False


def _ellipsis(question: str, language: str) -> str | None:
    """The new subject or attribute of an elliptical follow-up ("中國" in 「那中國呢？」)."""
    if language == "en":
        m = _EN_ELLIPSIS.match(question.strip())
        return (m.group("what") or m.group("and")).strip() if m else None
    m = _ELLIPSIS_ZH.match(normalize_for_matching(question).strip())
    if not m:
        return None
    what = m.group("what")
    plain = normalize_for_matching(question).strip()
    at = plain.find(what)
    return question.strip()[at : at + len(what)] if len(plain) == len(question.strip()) else what


def _no_subject(question: str, language: str) -> bool:
    """A short Chinese question that opens with its predicate (a verb, preposition, adverb
    or adjective: 「在日本排第幾？」, 「是什麼時候？」) has left its subject to the context."""
    if language == "en" or len(re.sub(r"[^\u3400-\u9fff]", "", question)) > TUNING.subjectless_zh:
        return False
    words = _zh_words(question)
    return bool(words) and words[0][1] in _PREDICATE_TAGS


def _too_short(question: str, language: str) -> bool:
    """A few words with no name of their own; in English also a nameless question about
    "the building" or "the island": a definite noun with nothing saying which one."""
    names, others = subject_terms(question)
    if names:
        return False
    if language == "en":
        words = len(_EN_WORD.findall(question))
        definite = [m.group(1) for m in _EN_DEFINITE.finditer(question) if zipf_frequency(m.group(1), "en") >= TUNING.en_noun_seen]
        return words <= TUNING.short_en or (words <= TUNING.en_definite_words and any(not w.endswith("est") for w in definite))
    return len(re.sub(r"[^\u3400-\u9fff]", "", question)) <= TUNING.short_zh and len(others) <= 1


def _join(terms: Sequence[str], question: str, language: str) -> str:
    if language == "en":
        return f"{question.rstrip()} ({', '.join(terms)})"
    return f"{'、'.join(terms)}：{question.strip()}"


def rewrite(question: str, previous: str | None, leans: Callable[[str], bool] | None = None) -> Rewrite:
    """``question`` made to stand alone given the previous question (itself standalone).
    ``leans``, asked only of a question with no name of its own that no rule calls a
    follow-up, tells whether it leans on the conversation anyway."""
    if not previous:
        return Rewrite(question, question)
    language = detect_language(question)
    names, others = subject_terms(previous)
    what = _ellipsis(question, language)
    if what is not None:
        new_names, _ = subject_terms(what, sentence=False)
        if new_names and names and names[0] in previous:  # a new subject in the old one's place
            return Rewrite(question, previous.replace(names[0], what, 1))
        carried = tuple(names or others[:2])
        return Rewrite(question, _join(carried, question, language) if carried else question)
    follows = _points_back(question, language) or _too_short(question, language) or _no_subject(question, language)
    if not follows and (leans is None or subject_terms(question)[0] or not leans(question)):
        return Rewrite(question, question)
    carried = tuple(t for t in [*names, *others][:5] if normalize_for_matching(t) not in normalize_for_matching(question))
    if not names and detect_language(previous) != "en":
        # jieba tags no name in it (it misses rarer names of people and companies): carry the
        # previous question's own words, less what it asked, so its subject comes along whatever it is.
        plain = [(w, normalize_for_matching(w)) for w, tag in _zh_words(previous) if tag != "x"]
        kept = [w for w, m in plain if not _QUESTION_WORDS_ZH.fullmatch(m) and m not in _POINTERS]
        carried = ("".join(dict.fromkeys(kept)),)
    return Rewrite(question, _join(carried, question, language) if carried and carried[0] else question)


def standalone(question: str, history: Sequence[Turn], leans: Callable[[str], bool] | None = None) -> Rewrite:
    """The question made to stand alone given the conversation so far (its user turns);
    ``leans`` (a search) is asked about this question only, not again about earlier ones."""
    previous: str | None = None
    for turn in history:
        if turn.role == "user" and turn.content.strip():
            previous = rewrite(turn.content.strip(), previous).standalone
    return replace(rewrite(question, previous, leans), previous=previous or "")


def conversation_ranking(now: list[Passage], before: list[Passage], k: int, weight: float) -> list[Passage]:
    """The follow-up's ranking fused (reciprocal ranks) with the previous question's:
    a follow-up is most often answered in or near the paragraph that answered the one
    before, which a pronoun or an English question over Chinese text may not reach."""
    scores: dict[str, float] = {}
    for ranking, w in ((now, 1.0), (before, weight)):
        for rank, p in enumerate(ranking, 1):
            scores[p.paragraph_id] = scores.get(p.paragraph_id, 0.0) + float(rank_share(np.asarray(rank), w))
    passages = {p.paragraph_id: p for p in [*before, *now]}  # the follow-up's own match spans win
    order = sorted(scores, key=lambda pid: -scores[pid])[:k]
    # The score becomes what ordered them: their own scores came from two searches, and a margin
    # between two of them (rag.retrieval.fusion.top_margin) would mean nothing.
    return [passages[pid].model_copy(update={"rank": rank, "score": scores[pid]}) for rank, pid in enumerate(order, 1)]


def finds_nothing_clear(retriever: Retriever, margin: float, scope: Scope | None, mode: str | None, question: str) -> bool:
    """Whether ``question`` alone finds no passage clearly first (by ``margin``): a
    nameless question in a conversation that leans on it without saying so
    (「想申請的話要準備哪些文件？」). Never when that cannot be told (scores of one channel)."""
    gap = top_margin(retriever.search(question, 2, mode, scope=scope))
    return gap is not None and gap < margin
