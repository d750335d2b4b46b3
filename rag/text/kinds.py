"""What kind of answer a question asks for: one fact (a lookup) or an explanation drawn
from several sentences (an overview, a reason, a process, a list, a comparison, a
timeline, a summary).

Rules on the question's words, in Traditional, Simplified (folded to one script first)
and English; no model is needed. Each kind is a list of patterns, tried in the order of
``ORDER``: the more specific shapes first ("summarise" before "what is it about", "how
many" before "how"), so a question gets the kind its answer's shape follows.
"""

from __future__ import annotations

import re
from typing import Literal, get_args

from rag.text.language import normalize_for_matching

QuestionKind = Literal["lookup", "overview", "why", "how", "list", "compare", "timeline", "summary"]
KINDS: tuple[str, ...] = get_args(QuestionKind)
OPEN_KINDS = frozenset(KINDS) - {"lookup"}

# Patterns match the question folded to Simplified Chinese and lower case
# (rag.text.language.normalize_for_matching), so one pattern serves both scripts.
_ASKS_AMOUNT = re.compile(
    r"多少|几[个位年月天次种岁名]|多[大长久高远重深宽老]|哪一?年|哪一?位|哪一个|哪几[天年月日]|什么时候|何时|何年|"
    r"\bhow (many|much|long|old|far|big|large|tall|high|often|deep|wide|heavy)\b|\bwhat (year|date|time|age)\b|\bwhen\b"
)
_PATTERNS: dict[str, tuple[str, ...]] = {
    "summary": (
        r"总结|摘要|概括|归纳|概述|简述一下(这|本|该)|重点整理|"
        r"\bsummar(ise|ize|ising|izing)\b|\b(a|the|short|brief) summary\b(?! report)|\bsummary of\b|\btl;?dr\b|\bsum up\b|"
        r"\bin (a )?nutshell\b",
    ),
    "compare": (
        r"(有|有什么|有何|的|哪些)(不同|区别|差别|差异|异同)|(区别|差别|差异|异同)(是|在|为|有)|相比|比较|对比|相较|"
        r"相同之处|相似|共同(点|之处)|"
        r"\b(differ|difference|differences|compare|comparison|contrast|versus|vs\.?|similarit(y|ies)|in common)\b|"
        r"\bhow (is|are|was|were|do|does|did) .{1,60} (different|similar|alike)\b",
    ),
    "timeline": (
        r"(的|之)经过|经过(是|为|如何|怎样)|演变|演进|历程|沿革|发展(过程|史|历程|经过)|(的|之)历史|大事|时间(线|顺序|轴)|先后|依序|"
        r"按(时间|年份|年代)|进展|经历了什么|\bin order\b|\bkey events\b|\b(its|their|his|her) history\b|"
        r"\btimeline\b|\bchronolog|\bhistory of\b|\bover (the )?(years|time|centuries|decades)\b|\bin (what|which) order\b|"
        r"\bhow (has|have|did) .{1,60} (develop|develop(ed)?|evolve(d)?|change(d)?)\b|\bsequence of events\b",
    ),
    "list": (
        r"哪些|哪几|有几[个种项点]|包括什么|包含什么|包括哪|包含哪|列出|列举|列表|分别是|各是|"
        r"(?<!第)[三四五六七八九十两二][个项点种位条类]|"
        r"\b(list|enumerate|give) (the|all|some|three|four|five|six|two|\d+)\b|\bname (all|some|three|four|five|six|two|\d+)\b|"
        r"\bwhich (are|were) the\b|"
        r"\bwhat are the (main |key |major |three |four |five |six |seven |eight |two |\d+ )?\w+s\b|"
        r"\bwhat (types|kinds|members|steps|stages|parts)\b|\bwhich \w+s (are|were)\b|\b(all|a list of) the\b",
    ),
    "why": (
        r"为什么|为何(?![？?]?$)|为甚么|何以|原因|理由|(?<!项)目的|缘故|动机|什么(导致|造成)|(导致|造成)(了)?这|怎么会|为了什么|用意|"
        r"是什么(让|使|令)|"
        r"\bwhy\b|\breasons?\b|\bcaused?\b|\bcauses\b|\bwhat led\b|\bpurpose\b|\bwhat for\b|\bmotivat",
    ),
    "how": (
        r"如何(?![？?]?$)|怎么|怎样|怎麽|过程(是|为|如何|怎样)|的过程[？?]?$|方法|步骤|机制|原理|运作|"
        r"\bhow\b|\bin what way\b|\b(process|procedure|steps)\b|\bby what means\b",
    ),
    "overview": (
        r"主要(在)?(讲|说|谈|介绍|内容|描述|论述|讨论|关于)|讲(了)?什么|讲的是|说(了)?什么|谈(了)?什么|(介绍|描述)(了)?什么|"
        r"(是|在)(关于|讲)什么|关于什么|内容(是)?什么|重点(是)?什么|主旨|要点|大意|简介|介绍(一)?下|是(一个)?什么样的|核心观点|主要论点|"
        r"^(什么是|何谓)|^[^的]{1,12}(是什么|是什么意思|是啥)[？?]?$|"
        r"\bwhat is .{0,80}\babout\b|\bwhat (is|are) the (main|central|key) (point|idea|topic|theme|message)s?\b|"
        r"\bmain (point|idea|topic|theme)s?\b|"
        r"\boverview\b|\bintroduc(e|tion)\b|\bdescribe\b|\btell me (about|what)\b|\bgist\b|^what('s| is| are) (?!the )[^,?]{1,30}\??$",
    ),
}
ORDER: tuple[str, ...] = ("summary", "compare", "timeline", "list", "why", "how", "overview")
_COMPILED = {kind: [re.compile(p) for p in patterns] for kind, patterns in _PATTERNS.items()}
# "What is X?" with a short X reads as "tell me about X"; "what is the name/number of X"
# asks one fact. Chinese 什么是X / X是什么 likewise, unless the question asks for a part.
_ONE_FACT = re.compile(
    r"\bwhat (is|was|are|were) (the )?(name|number|title|population|capital|area|height|length|size|amount|price|date|year|"
    r"term|word|percentage|rate|score|distance|value|cost|address)\b|的(名字|名称|数量|人口|面积|首都|高度|长度|日期|年份|称号|全名|简称)"
)

# Words that ask for a timeline even beside "when" or "哪一年".
_TIMELINE_WORDS = re.compile(r"演变|历程|沿革|时间线|先后|依序|\btimeline\b|\bchronolog|\bin order\b|\bover the years\b")
_NAMING = re.compile(r"(如何|怎么|怎样)(称呼|称|叫|命名|念|读|拼)|\bhow (is|was|are|were) .{1,40} (called|named|spelled|pronounced)\b")


def question_kind(question: str) -> QuestionKind:
    """The kind of answer ``question`` asks for (see the module's docstring)."""
    text = normalize_for_matching(question).strip()
    amount = bool(_ASKS_AMOUNT.search(text))
    for kind in ORDER:
        if not any(p.search(text) for p in _COMPILED[kind]):
            continue
        if kind in ("how", "overview", "list", "timeline") and amount and not _asks_more_than_amount(text, kind):
            continue  # "how many", "哪一年", "多少個" ask for one fact
        if kind == "overview" and _ONE_FACT.search(text):
            continue
        if kind == "how" and _NAMING.search(text):
            continue  # "如何稱呼…", "how is it called": a name
        return kind  # type: ignore[return-value]
    return "lookup"


def _asks_more_than_amount(text: str, kind: str) -> bool:
    """An amount word in a question that still asks for an explanation: 'how' with a second
    'how' clause, a list of several amounts ('哪些年')."""
    if kind == "list":
        return bool(re.search(r"哪些|哪几(?![天年月日])|列出|列举|\blist\b|分别", text))
    if kind == "timeline":
        return bool(_TIMELINE_WORDS.search(text))
    if kind == "how":
        rest = _ASKS_AMOUNT.sub(" ", text)
        return bool(re.search(r"如何|怎么|怎样|过程|方法|\bhow\b", rest))
    return False


def is_open(kind: str) -> bool:
    """Whether a question of ``kind`` is answered from several sentences, not one."""
    return kind in OPEN_KINDS
