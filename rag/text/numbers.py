"""Numbers as values, so a figure can be checked across languages and notations:
500億 = 50 billion = 50,000,000,000; 10億美元 = 1 billion US dollars; 4,000 = 4000.

``number_values(text)`` returns the set of values a text states.  Years, days and
small counts come out as themselves (2025年 -> 2025, 9月8日 -> 9, 8).
"""

from __future__ import annotations

import re

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "兩": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_BIG_UNITS = {"萬": 10**4, "万": 10**4, "億": 10**8, "亿": 10**8, "兆": 10**12}
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12, "bn": 10**9, "mn": 10**6}
_EN_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50, "hundred": 100,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
}  # fmt: skip
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"], 1
)}  # fmt: skip

_ARABIC = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(萬|万|億|亿|兆|千|百)?\s*(thousand|million|billion|trillion|bn|mn)?(?![A-Za-z])",
    re.IGNORECASE,
)
_CN_NUMERAL = re.compile(r"[零〇一二兩两三四五六七八九十百千萬万億亿兆]+")
_EN_WORD = re.compile(r"\b(" + "|".join(sorted(_EN_WORDS, key=len, reverse=True)) + r")\b(?:\s+(thousand|million|billion|trillion))?", re.I)
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r")\b", re.IGNORECASE)


def _chinese_numeral(text: str) -> int | None:
    """三 -> 3, 十二 -> 12, 一百七十萬 -> 1700000; None if it is not a well-formed number."""
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            if digit is not None:  # 二二 is not a number (it is "2 2" or a name)
                return None
            digit = _CN_DIGITS[ch]
        elif ch in _CN_SMALL_UNITS:
            section += (1 if digit is None else digit) * _CN_SMALL_UNITS[ch]
            digit = None
        elif ch in _CN_BIG_UNITS:
            section += digit or 0
            total = (total + (section or 1)) * _CN_BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def number_values(text: str) -> set[float]:
    values: set[float] = set()
    for m in _ARABIC.finditer(text):
        whole, frac, cn_unit, en_scale = m.groups()
        value = float(whole.replace(",", "") + (f".{frac}" if frac else ""))
        if cn_unit:
            value *= _CN_BIG_UNITS.get(cn_unit) or _CN_SMALL_UNITS[cn_unit]
        if en_scale:
            value *= _EN_SCALES[en_scale.lower()]
        values.add(value)
    stripped = _ARABIC.sub(" ", text)
    for m in _CN_NUMERAL.finditer(stripped):
        numeral = _chinese_numeral(m.group())
        # A lone unit character (百, 萬) inside a word is not a number.
        if numeral is not None and any(c in _CN_DIGITS or c == "十" for c in m.group()):
            values.add(float(numeral))
    for m in _EN_WORD.finditer(text):
        scale = _EN_SCALES[m.group(2).lower()] if m.group(2) else 1
        values.add(float(_EN_WORDS[m.group(1).lower()] * scale))
    for m in _MONTH.finditer(text):
        values.add(float(_MONTHS[m.group(1).lower()]))
    return values


def unsupported_numbers(claim: str, source: str) -> set[float]:
    """Values the claim states that the source does not (1 is ignored: 'a', 'one of')."""
    wanted = number_values(claim) - {1.0}
    have = number_values(source)
    return {v for v in wanted if not any(same_value(v, h) for h in have)}


def same_value(value: float, other: float) -> bool:
    """The same number however it was written: 1.1億, 11,000萬 and 110 million parse to floats
    a rounding apart."""
    return abs(value - other) <= 1e-9 * max(1.0, abs(other))


_CJK_AMOUNT = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s*(萬|万|億|亿|兆)")


def english_amount(value: float) -> str:
    """5e10 -> '50 billion', 1e9 -> '1 billion', 20000 -> '20,000'."""
    for scale, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if value >= scale:
            return f"{value / scale:,.6g} {word}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,g}"


def english_amounts(text: str) -> str:
    """'500億立方公尺' -> '50 billion 立方公尺': small models translating 億 and 萬 into
    English get the power of ten wrong, so English prompts carry the value instead.
    (Shown next to the original, as '500億 (50 billion)', the model copied both numbers.)"""

    def english(m: re.Match[str]) -> str:
        whole, frac, unit = m.groups()
        value = float(whole.replace(",", "") + (f".{frac}" if frac else "")) * _CN_BIG_UNITS[unit]
        return f" {english_amount(value)} "

    return _CJK_AMOUNT.sub(english, text)


# Units whose amounts two sources can state differently for the same thing (a year or a
# count of days is usually another fact, not a disagreement, so neither is here).
_AMOUNT_UNITS = (
    "平方公里|平方公尺|立方公尺|立方米|公里|公尺|公頃|公斤|公噸|噸|吨|美元|美金|歐元|欧元|人民幣|人民币|新臺幣|新台幣|港元|元|"
    + "人次|人|%|％|km|kilometres|kilometers|cubic meters|cubic metres|tonnes|tons|dollars|people|percent"
)
_SAME_UNIT = {
    "％": "%", "percent": "%", "吨": "噸", "tonnes": "噸", "tons": "噸", "立方米": "立方公尺", "cubic meters": "立方公尺",
    "cubic metres": "立方公尺", "km": "公里", "kilometres": "公里", "kilometers": "公里", "people": "人", "美金": "美元",
    "欧元": "歐元", "人民币": "人民幣", "新台幣": "新臺幣",
}  # fmt: skip
_AMOUNT = re.compile(
    r"((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*(?:萬|万|億|亿|兆)?\s*(?:thousand|million|billion|trillion)?"
    rf"|[零〇一二兩两三四五六七八九十百千萬万億亿兆]+)\s*(?:餘|余|多)?\s*({_AMOUNT_UNITS})",
    re.IGNORECASE,
)


def amounts_by_unit(text: str) -> dict[str, set[float]]:
    """The amounts a text states, by their unit as folded: '每年500億立方公尺' ->
    {'立方公尺': {5e10}}; '10億美元和20億美元' -> {'美元': {1e9, 2e9}}."""
    found: dict[str, set[float]] = {}
    for m in _AMOUNT.finditer(text):
        values = number_values(m.group(1))
        if values:
            unit = m.group(2).lower()
            found.setdefault(_SAME_UNIT.get(unit, unit), set()).update(values)
    return found
