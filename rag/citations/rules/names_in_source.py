from __future__ import annotations

import re

from rag.citations.evidence import Claim, Shown
from rag.citations.rules.base import SourceRule
from rag.text.language import HAN, normalize_for_matching

_QUOTED = re.compile(r"[「『《“\"]([^」』》”\"]{2,40})[」』》”\"]")
# A whole "sentence" of Chinese words separated by spaces or 、 is a list of candidates.
_BARE_LIST = re.compile(f"^[{HAN}·]{{2,8}}(?:[ \\t、,，/]+[{HAN}·]{{2,8}})+[。.]?$")
_LIST_ITEM = re.compile(f"[{HAN}·]+")
_LATIN_NAME = re.compile(r"(?<![A-Za-z])([A-Z][a-zA-Z]{2,}(?:\s+[A-Z][a-zA-Z]+)*)")


def names_claimed(sentence: str, same_language: bool) -> list[str]:
    """The names a claim states: quoted ones, each item of a bare list, and (within one
    language) capitalised Latin words after the first."""
    names = [m.group(1) for m in _QUOTED.finditer(sentence)]
    if _BARE_LIST.match(sentence.strip()):
        names += _LIST_ITEM.findall(sentence)
    if same_language:
        names += [m.group(1) for m in _LATIN_NAME.finditer(sentence) if m.start() > 0]
    return names


class NamesInSource(SourceRule):
    """Quoted names (「…」《…》"…"), every name of a bare list ("刘邦 石勒 薄必烈") and, in
    the same language, Latin-script names must be in the source as written: e5 rates a
    paragraph that names two of three candidates close to a list of all three."""

    name = "names-in-source"

    def objection(self, claim: Claim, j: int, shown: Shown) -> str | None:
        source = shown.sources[j]
        for name in names_claimed(claim.text, claim.same_language(source)):
            if normalize_for_matching(name) not in source.body:
                return f"'{name}' not in [{source.key}]"
        return None
