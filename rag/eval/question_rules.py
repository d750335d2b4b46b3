"""Questions made from a document's own sentences by rules, with no model, for
``rag eval generate`` (rag.eval.generate).

- ``lookup``: a sentence holding a date, an amount or a proper name. The clause holding it,
  after the sentence's first clause (which usually names the subject), is asked with the
  span replaced by the matching question word (哪一年, 多少公里, 幾座, 誰, which year, how many).
- ``why``: a sentence that gives a cause (因為…所以, 由於…, …是因為…, 為了…; because, due to).
  The effect is asked; the cause's rarest words are the key points.
- ``list``: a sentence that enumerates (…包括 A、B 和 C; include A, B and C). The head is
  asked; each item is a key point.
- ``overview`` and ``summary``: a document's title; the key points are the rarest words of
  its map's summary sentences (rag.index.doc_map).

Rules are written for Traditional text; a Simplified document is read through OpenCC
(rag.text.language) and its questions written back in Simplified. What a rule makes is only
a candidate: rag.eval.generate keeps it when the question leads back to its own sentence
and does not copy it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from rag.text.language import HAN, normalize_for_matching, to_traditional
from rag.text.names import tagged_words

_NUM = r"(?:\d[\d,]*(?:\.\d+)?|[零〇一二兩两三四五六七八九十百千]+)"
_MAG = r"(?:[萬億千百]+)?"
_MEASURE = "個座種次名位項條家所間部本隻架艘輛場屆枚顆支棟首件"
_UNITS = (  # the longest first: 平方公里 before 公里
    "平方公里|平方公尺|立方公尺|公里|公尺|公分|公頃|公斤|公噸|噸|英里|英尺|千米|米|"
    + "人次|人|美元|港元|新臺幣|新台幣|元|歲|倍|度|天|小時|分鐘|年"
)
# The most specific first: a full date before its year, a percentage before a bare amount.
_LOOKUP_SPANS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"(?:西元|公元)?\d{3,4}年\d{1,2}月(?:\d{1,2}日)?"), lambda m: "什麼時候"),
    (re.compile(r"(?:西元|公元)?\d{3,4}年(?!代|[\d多])"), lambda m: "哪一年"),
    (re.compile(r"\d{1,2}月\d{1,2}日"), lambda m: "哪一天"),
    (re.compile(rf"{_NUM}(?:%|％)|百分之{_NUM}"), lambda m: "百分之多少"),
    (re.compile(rf"{_NUM}{_MAG}(?P<unit>{_UNITS})"), lambda m: "多少" + m["unit"]),
    (re.compile(rf"(?<![\d第])(?:\d+|[兩两二三四五六七八九十]+)(?P<unit>[{_MEASURE}])"), lambda m: "幾" + m["unit"]),
)
_NAME_WORDS = {"nr": "誰", "nrfg": "誰", "ns": "哪裡", "nt": "哪個機構"}
_EN_SPANS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:in|In) (1[5-9]\d\d|20\d\d)\b"), "in which year"),
    (re.compile(r"\b\d[\d,]*(?:\.\d+)?(?= (?:[a-z]+ ){0,2}[a-z]+s\b)"), "how many"),
)
_ASIDE = re.compile(r"（[^（）]*）|〔[^〔〕]*〕|【[^【】]*】|\([^()]*\)")
_ANY_HAN = re.compile(f"[{HAN}]")
_JOINERS = frozenset("、與和及跟")
_COUNTING = frozenset("一二兩三四五六七八九十幾多各每該本大")  # 三國, 兩岸, 各國: counted or pointed at, not named
_VERB_ROOM = 4  # characters after a span in its clause, fewer and the clause's verb is in the next one
_CLAUSE_END = re.compile(r"[，；：]|[,;:](?!\d)")  # not the comma in 4,000
_CONNECTIVES = re.compile(r"^(?:但是|但|而且|而|並且|並|此外|另外|因此|所以|同時|然而|其中|其後|之後|後來|不過|且)")
_ZH_WHY = (
    re.compile(r"(?:因為|由於)(?P<cause>[^，,。；！？]{2,40})[，,](?:所以|因此|因而|於是|故)?(?P<effect>[^。；！？]{4,50})"),
    re.compile(r"(?P<effect>[^，,。；！？]{4,50})[，,]?(?:是因為|是由於|原因是)(?P<cause>[^。；！？]{2,50})"),
    re.compile(r"^為了(?P<cause>[^，,。；！？]{2,30})[，,](?P<effect>[^。；！？]{4,50})"),
)
_ZH_PURPOSE = re.compile(r"(?P<effect>[^，,。；！？]{4,40})是為了(?P<cause>[^，,。；！？]{2,40})")
_EN_WHY = re.compile(r"(?P<effect>[A-Z][^.;]{10,120}?),? (?:because|since|due to|as a result of) (?P<cause>[^.;]{5,120})")
_ZH_LIST = re.compile(
    r"(?P<head>[^，,。；！？：:（）()]{2,24}?)(?P<verb>包括|包含|分為|分別為|分別是|例如|如)[：:]?(?P<items>[^。；！？]{3,120}?)(?:等等|等)?(?=[。；！？，,]|$)"
)
_ZH_ITEM_SPLIT = re.compile(r"、|以及|及|和|與|或")
_EN_LIST = re.compile(r"(?P<head>[A-Z][^.;:]{3,80}?) (?P<verb>includes?|included|including) (?P<items>[^.;]+)")
_EN_ITEM_SPLIT = re.compile(r",\s*(?:and |or )?|\s+(?:and|or)\s+")
_EN_STOP = frozenset(
    re.findall(
        r"\w+",
        "the a an and or of in on at to for from by with as is are was were be been it its this that these those which who "
        "whom whose their there they he she his her also after before into over under than then such other more most",
    )
)
_WORD_TAGS = ("n", "j", "l", "i")  # jieba's nouns (names too), abbreviations, set phrases, idioms


@dataclass(frozen=True)
class Candidate:
    """A question a rule made from one sentence (or a document's map), before the checks."""

    question: str
    kind: str
    sentence: str  # the source sentence ('' for a whole document's question)
    paragraph_ids: tuple[str, ...]
    answers: tuple[str, ...] = ()
    points: tuple[tuple[str, ...], ...] = ()


@dataclass
class Rarity:
    """How few of the library's documents hold a word: the key points of open questions are
    a sentence's rarest words, which another document's text seldom states."""

    documents: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add_document(self, text: str) -> None:
        self.documents += 1
        for word in set(words(text)):
            self.counts[word] = self.counts.get(word, 0) + 1

    def share(self, word: str) -> float:
        return self.counts.get(normalize_for_matching(word), 0) / max(1, self.documents)

    def distinctive(self, word: str, most_share: float) -> bool:
        """Held by at most ``most_share`` of the documents, or by one only (a small library)."""
        held = self.counts.get(normalize_for_matching(word), 0)
        return held <= max(1.0, most_share * self.documents)

    def rarest(self, text: str, leave_out: str, n: int, most_share: float) -> list[str]:
        """Up to ``n`` words of ``text`` (as written there) that ``leave_out`` lacks and at most
        ``most_share`` of the documents hold, rarest (then longest) first."""
        skip = normalize_for_matching(leave_out)
        seen: dict[str, str] = {}
        for shown in content_words(text):
            folded = normalize_for_matching(shown)
            if folded not in skip and folded not in seen and self.distinctive(shown, most_share):
                seen[folded] = shown
        ranked = sorted(seen.values(), key=lambda w: (self.share(w), -len(w)))
        return ranked[:n]


def words(text: str) -> list[str]:
    """Every content word of ``text``, script- and case-folded: what Rarity counts."""
    return [normalize_for_matching(w) for w in content_words(text)]


def content_words(text: str) -> list[str]:
    """Nouns, names and other words of two or more characters (Chinese, by jieba's tags), or
    Latin words of four or more letters that are not function words, as written in ``text``."""
    found = [w for w, tag in tagged_words(text) if len(w) >= 2 and (tag[:1] in _WORD_TAGS or tag in ("vn", "eng")) and not w.isdigit()]
    found += [w for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", text) if w.lower() not in _EN_STOP]
    return found


def _clauses(sentence: str) -> list[tuple[int, int]]:
    """(start, end) of each clause, its closing comma included."""
    ends = [m.end() for m in _CLAUSE_END.finditer(sentence)]
    starts = [0, *ends]
    return [(a, b) for a, b in zip(starts, [*ends, len(sentence)], strict=True) if b > a]


def plain(sentence: str) -> str:
    """The sentence without its bracketed asides (bylines, glosses, sources)."""
    return _ASIDE.sub("", sentence).strip()


def _asked(sentence: str, start: int, end: int, word: str, with_next: bool = True) -> str:
    """The clause holding ``sentence[start:end]`` with the span replaced by ``word``, as a
    question: after the sentence's first clause when it is another one (it usually names the
    subject), and with the next clause when the span ends its own (the verb comes after)."""
    clauses = _clauses(sentence)
    at = next((i for i, (a, b) in enumerate(clauses) if a <= start < b), 0)
    a, b = clauses[at]
    if with_next and len(sentence[end:b].strip("，,；;：: ")) < _VERB_ROOM and at + 1 < len(clauses):
        b = clauses[at + 1][1]
    body = sentence[a:start] + word + sentence[end:b]
    if at > 0:
        first = sentence[clauses[0][0] : clauses[0][1]].rstrip("，,；;：: ")
        body = first + "，" + _CONNECTIVES.sub("", body)
    body = _CONNECTIVES.sub("", body.strip()).strip("，,；;：:。！？!?.」』 ")
    return body + "？"


def _in_enumeration(sentence: str, start: int, end: int) -> bool:
    """A name beside 、 or 與/和/及 is one of several: asking 'who' of it has several answers."""
    return sentence[start - 1 : start] in _JOINERS or sentence[end : end + 1] in _JOINERS


def lookup_candidates(sentence: str, paragraph_id: str) -> Iterator[Candidate]:
    """Lookups from one sentence of Traditional (or folded) Chinese text, or English."""
    sentence = plain(sentence)
    taken: list[tuple[int, int]] = []
    for pattern, word in _LOOKUP_SPANS:
        for m in pattern.finditer(sentence):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            yield Candidate(_asked(sentence, m.start(), m.end(), word(m)), "lookup", sentence, (paragraph_id,), (m.group(0),))
    at = 0
    for shown, tag in tagged_words(sentence):
        start, at = at, at + len(shown)
        if tag not in _NAME_WORDS or len(shown) < 2 or shown[0] in _COUNTING or _in_enumeration(sentence, start, at):
            continue
        if not any(a < at and start < b for a, b in taken):
            yield Candidate(_asked(sentence, start, at, _NAME_WORDS[tag]), "lookup", sentence, (paragraph_id,), (shown,))
    if not _ANY_HAN.search(sentence):
        for pattern, phrase in _EN_SPANS:
            for m in pattern.finditer(sentence):
                question = (sentence[: m.start()] + phrase + sentence[m.end() :]).rstrip(" .!;") + "?"
                answer = m.group(1) if m.groups() else m.group(0)
                yield Candidate(question[0].upper() + question[1:], "lookup", sentence, (paragraph_id,), (answer,))


def why_candidates(sentence: str, paragraph_id: str, rarity: Rarity, most_share: float) -> Iterator[Candidate]:
    """Why-questions from a sentence that states a cause; its rarest words are the points."""
    sentence = plain(sentence)
    for pattern in _ZH_WHY:
        for m in pattern.finditer(sentence):
            effect = _CONNECTIVES.sub("", m["effect"].strip()).rstrip("，,")
            question = f"為什麼{effect}？"
            points = rarity.rarest(m["cause"], question, 2, most_share)
            if points:
                yield Candidate(question, "why", sentence, (paragraph_id,), points=tuple((p,) for p in points))
    for m in _ZH_PURPOSE.finditer(sentence):
        question = _asked(sentence, m.start("cause"), m.end("cause"), "什麼", with_next=False)
        points = rarity.rarest(m["cause"], question, 2, most_share)
        if points:
            yield Candidate(question, "why", sentence, (paragraph_id,), points=tuple((p,) for p in points))
    for m in _EN_WHY.finditer(sentence):
        effect = m["effect"].strip()
        question = f"Why is it that {effect[0].lower()}{effect[1:]}?"
        points = rarity.rarest(m["cause"], question, 2, most_share)
        if points:
            yield Candidate(question, "why", sentence, (paragraph_id,), points=tuple((p,) for p in points))


def list_candidates(sentence: str, paragraph_id: str) -> Iterator[Candidate]:
    """List questions from a sentence that enumerates three or more short items."""
    for m in _ZH_LIST.finditer(sentence):
        if "、" not in m["items"]:
            continue
        items = [i.strip(" 「」『』") for i in _ZH_ITEM_SPLIT.split(m["items"])]
        head = _CONNECTIVES.sub("", m["head"].strip())
        if len(head) >= 2 and len(items) >= 3 and all(1 <= len(i) <= 15 for i in items):
            verb = "包括" if m["verb"] in ("例如", "如") else m["verb"]
            yield Candidate(f"{head}{verb}哪些？", "list", sentence, (paragraph_id,), points=tuple((i,) for i in items[:6]))
    for m in _EN_LIST.finditer(sentence):
        items = [i.strip() for i in _EN_ITEM_SPLIT.split(m["items"]) if i.strip()]
        if len(items) >= 3 and all(len(i.split()) <= 5 for i in items):
            tense = "did" if m["verb"] == "included" else "does"
            yield Candidate(f"What {tense} {m['head']} include?", "list", sentence, (paragraph_id,), points=tuple((i,) for i in items[:6]))


OVERVIEW = {
    "overview": {"zh-Hant": "《{title}》主要在講什麼？", "zh-Hans": "《{title}》主要讲了什么？", "en": "What is “{title}” mainly about?"},
    "summary": {"zh-Hant": "請摘要《{title}》的重點。", "zh-Hans": "请总结《{title}》的要点。", "en": "Summarise “{title}”."},
}


def overview_candidate(kind: str, title: str, summary: list[tuple[str, str]], rarity: Rarity, most_share: float) -> Candidate | None:
    """An overview or summary question on a document: ``summary`` holds its map's summary
    sentences as (paragraph id, text); each gives one key point, its rarest word."""
    points: list[tuple[str, ...]] = []
    used = title
    for _, text in summary:
        rare = rarity.rarest(text, used, 1, most_share)
        if rare:
            points.append((rare[0],))
            used += rare[0]
    if len(points) < 2:
        return None
    paragraphs = tuple(dict.fromkeys(pid for pid, _ in summary))
    return Candidate(OVERVIEW[kind]["zh-Hant"].format(title=title), kind, "", paragraphs, points=tuple(points))


def traditional(text: str) -> str:
    """Rules match Traditional characters; Simplified text is read converted (same length)."""
    converted = to_traditional(text)
    return converted if len(converted) == len(text) else text
