"""Checks on a question before any work is done with it: its type and length, and
whether it has any words to search for."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser

from rag.errors import RagError

EXAMPLE = "西伯利亞力量2號管道每年最多可輸送多少天然氣？"


def clean_question(question: object, max_chars: int) -> str:
    if not isinstance(question, str):
        raise RagError(f"The question must be text, not {type(question).__name__}.", fix=f"Ask e.g. 「{EXAMPLE}」")
    # Control characters (NUL, escape codes) carry no meaning and confuse tokenisers.
    text = "".join(ch for ch in question if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()
    if not text:
        raise RagError("The question is empty.", fix=f"Type a question, e.g. 「{EXAMPLE}」")
    if len(text) > max_chars:
        raise RagError(
            f"The question is {len(text):,} characters long; the limit is {max_chars:,}.",
            fix="Shorten it to the essential question, or raise RAG_MAX_QUESTION_CHARS.",
        )
    return text


def check_k(k: int, limit: int = 100) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= limit:
        raise RagError(f"k must be a whole number from 1 to {limit}, got {k!r}.", fix="Pass e.g. -k 5.")
    return k


class _TextOnly(HTMLParser):
    """The text a browser would show: tags dropped, and script/style contents with them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._hidden += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# Latin-script languages whose word lists are also consulted before a question's Latin
# letters are called no word (English first: loading each further list takes ~0.2 s).
_OTHER_LATIN_LANGUAGES = ("fr", "de", "es", "it", "pt", "nl", "id", "ms", "vi", "tr", "pl", "sv", "da", "nb", "fi", "cs", "ro", "hu")


def _known_word(word: str) -> bool:
    from wordfreq import zipf_frequency

    word = word.lower()
    return zipf_frequency(word, "en") > 0 or any(zipf_frequency(word, lang) > 0 for lang in _OTHER_LATIN_LANGUAGES)


# Why a question has nothing to search for, in the words of each question language.
NO_CONTENT = {
    "symbols": {
        "en": "it has no words, only symbols, emoji or punctuation",
        "zh-Hant": "問題裡沒有文字，只有符號、表情符號或標點",
        "zh-Hans": "问题里没有文字，只有符号、表情符号或标点",
    },
    "markup": {
        "en": "it holds only markup (HTML tags or a script), with no text to search for",
        "zh-Hant": "問題裡只有標記（HTML 標籤或程式碼），沒有可查詢的文字",
        "zh-Hans": "问题里只有标记（HTML 标签或代码），没有可查询的文字",
    },
    "letters": {
        "en": "its letters spell no word in English or any other language known here",
        "zh-Hant": "問題裡的字母拼不出任何已知語言的詞",
        "zh-Hans": "问题里的字母拼不出任何已知语言的词",
    },
}
ASK_IN_WORDS = {
    "en": "This question has nothing to search for: {reason}. Ask it in words, e.g. “What is Mongolia's Third Neighbor Policy?”",
    "zh-Hant": "這個問題沒有可以查詢的內容：{reason}。請用文字提問，例如「" + EXAMPLE + "」",
    "zh-Hans": "这个问题没有可以查询的内容：{reason}。请用文字提问，例如「蒙古国每年能获得多少能源过境费？」",
}


def no_content_reason(question: str, known: Callable[[str], bool] | None = None) -> str | None:
    """Why ``question`` has nothing to search for ('symbols', 'markup' or 'letters', a key
    of NO_CONTENT), or None when it has words.

    Words are Han, kana, Hangul or other non-Latin letters, numbers, and Latin-letter words
    found in a word list (wordfreq) or by ``known`` (e.g. the corpus's own vocabulary).
    Emoji, punctuation, markup alone, or Latin letters that spell no word, have none."""
    text = unicodedata.normalize("NFKC", question)
    markup = bool(_TAG.search(text))
    if markup:
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    for ch in text:
        category = unicodedata.category(ch)
        if category[0] == "N" or (category[0] == "L" and not _LATIN_WORD.fullmatch(ch)):
            return None
    words = _LATIN_WORD.findall(text)
    if not words:
        return "markup" if markup else "symbols"
    if any((known is not None and known(w.lower())) or _known_word(w) for w in words):
        return None
    return "letters"
