"""From a PDF page's characters and their boxes to lines in reading order, and from lines
to whole paragraphs: lines the layout broke are joined without spaces between Chinese
characters, hyphenation is undone, and one- and two-column pages are read column by
column. Pure geometry on ``Char`` records, so it is tested without a PDF."""

from __future__ import annotations

import bisect
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property

from rag.text.language import HAN

# Characters after which no space is put when a line is joined to the next: Han, kana,
# Hangul and the full-width punctuation that goes with them.
WIDE = re.compile(rf"[{HAN}\u3000-\u303f\u3040-\u30ff\uac00-\ud7af\uff00-\uffef\u2014\u2026\u2018-\u201d]")
# A sentence ends at a full stop, question or exclamation mark, a closing quote after it
# allowed: a paragraph whose last line ends so does not run on into the next column or page.
_SENTENCE_END = re.compile(r"[。！？.!?：:][」』”’)）]*$")
_PAGE_NUMBER = re.compile(r"^[\s\-–—(（]*(page|p\.|第)?\s*\d+\s*(頁|页)?\s*((/|of|／)\s*\d+)?[\s\-–—)）]*$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Char:
    text: str
    index: int  # position in the PDF page's character list, for finding its box again
    x0: float
    y0: float  # PDF coordinates: y grows upwards
    x1: float
    y1: float
    size: float


@dataclass
class Line:
    """A finished line: its box and sizes are worked out once, when first asked for."""

    chars: list[Char] = field(default_factory=list)
    spaces: set[int] = field(default_factory=set)  # positions in chars before which a space stood

    @property
    def text(self) -> str:
        return "".join((" " if i in self.spaces else "") + c.text for i, c in enumerate(self.chars))

    @cached_property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars)

    @cached_property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars)

    @cached_property
    def y0(self) -> float:
        return min(c.y0 for c in self.chars)

    @cached_property
    def y1(self) -> float:
        return max(c.y1 for c in self.chars)

    @cached_property
    def size(self) -> float:
        """The font size, as the PDF states it: compared between lines, not with distances."""
        return statistics.median(c.size for c in self.chars)

    @cached_property
    def height(self) -> float:
        """The usual glyph height, in page units (median: punctuation boxes are small)."""
        return max(statistics.median(c.y1 - c.y0 for c in self.chars), 1.0)


def lines_of(chars: list[Char | None]) -> list[Line]:
    """Group a page's characters (None marks a line break the PDF gave, " " a space) into
    lines: a new line starts at a break, when the text moves off the baseline, or at a
    gap wide enough to be a gutter between columns."""
    lines: list[Line] = []
    line, space = Line(), False
    low = high = 0.0  # the vertical extent of the line so far
    heights: list[float] = []
    height = 1.0
    for c in chars:
        if c is None:
            if line.chars:
                lines.append(line)
            line, space = Line(), False
            continue
        if c.text.isspace():
            space = bool(line.chars)
            continue
        if line.chars:
            prev = line.chars[-1]
            # Against the line so far, not the previous glyph: a comma or a bracket has a
            # small box off the middle of the line.
            if len(heights) <= 8:  # settles after a few glyphs; recomputing it for each is quadratic
                height = max(statistics.median(heights), 1.0)
            off_baseline = not low - 0.25 * height <= (c.y0 + c.y1) / 2 <= high + 0.25 * height
            gutter = c.x0 - prev.x1 > 2.5 * height or c.x1 < prev.x0 - height
            if off_baseline or gutter:
                lines.append(line)
                line, space = Line(), False
        if not line.chars:
            low, high, heights = c.y0, c.y1, []
        low, high = min(low, c.y0), max(high, c.y1)
        heights.append(c.y1 - c.y0)
        if space:
            line.spaces.add(len(line.chars))
        line.chars.append(c)
        space = False
    if line.chars:
        lines.append(line)
    return lines


EDGE = 0.12  # running headers and footers sit in the top and bottom eighth of a page


def edge_lines(lines: list[Line], height: float, band: int = 2) -> list[Line]:
    """Up to ``band`` lines at the top and at the bottom of the page, in its margins."""
    ordered = sorted(lines, key=lambda ln: -ln.y1)
    top = [ln for ln in ordered[:band] if ln.y0 >= height * (1 - EDGE)]
    bottom = [ln for ln in ordered[-band:] if ln.y1 <= height * EDGE]
    return top + [ln for ln in bottom if ln not in top]


def running_lines(pages: list[list[Line]], heights: list[float]) -> set[str]:
    """Keys of lines repeated in the top or bottom margin of at least half the pages (two
    at least): running headers and footers. Digits are ignored, so 'p. 3 / 9' repeats."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for lines, height in zip(pages, heights, strict=True):
        seen.update({_key(ln) for ln in edge_lines(lines, height)})
    return {k for k, n in seen.items() if n >= max(2, len(pages) / 2)}


def _key(line: Line) -> str:
    return _DIGITS.sub("#", "".join(line.text.split()))


MARGIN = 0.06  # the outer strip of a page where only furniture is printed


def body_lines(lines: list[Line], running: set[str], height: float) -> list[Line]:
    """The page without its running headers, footers and bare page numbers. On a page
    with nothing to compare it with, small print in the outer margin (a browser's date,
    title and address) counts as furniture too."""
    edge = {id(ln) for ln in edge_lines(lines, height)}
    body_size = statistics.median([ln.size for ln in lines] or [0.0])

    def furniture(ln: Line) -> bool:
        in_margin = ln.y0 >= height * (1 - MARGIN) or ln.y1 <= height * MARGIN
        return _key(ln) in running or bool(_PAGE_NUMBER.match(ln.text)) or (in_margin and ln.size < 0.85 * body_size)

    return [ln for ln in lines if not (id(ln) in edge and furniture(ln))]


def gutter(lines: list[Line], width: float) -> float | None:
    """The x of a gap between two columns that runs down the page, if there is one."""
    best, best_x = 0, None
    for step in range(30, 71):
        x = width * step / 100
        left = sum(1 for ln in lines if ln.x1 <= x)
        right = sum(1 for ln in lines if ln.x0 >= x)
        crossing = len(lines) - left - right
        if left >= 3 and right >= 3 and crossing <= 0.25 * len(lines) and min(left, right) > best:
            best, best_x = min(left, right), x
    return best_x


def reading_order(lines: list[Line], width: float) -> list[Line]:
    """Top to bottom; on a two-column page, the left column before the right one, with
    lines that span both columns (titles) kept in place between them."""
    top_down = sorted(lines, key=lambda ln: (-round((ln.y0 + ln.y1) / 2 / 3), ln.x0))
    x = gutter(lines, width)
    if x is None:
        return top_down
    ordered: list[Line] = []
    left: list[Line] = []
    right: list[Line] = []
    for ln in top_down:
        if ln.x1 <= x:
            left.append(ln)
        elif ln.x0 >= x:
            right.append(ln)
        else:
            ordered += left + right + [ln]
            left, right = [], []
    return ordered + left + right


def join_lines(first: str, second: str) -> str:
    """Two lines of one paragraph as one text: no space between Chinese characters, one
    between English words, and a word hyphenated across the break made whole again."""
    first, second = first.rstrip(), second.lstrip()
    if not first or not second:
        return first + second
    if first.endswith("-") and len(first) > 1:
        # 'hyphen-' + 'ation' is one word again; '2-' + '3%' keeps its dash but no space.
        return first[:-1] + second if first[-2].isalpha() and second[0].islower() else first + second
    if WIDE.match(first[-1]) or WIDE.match(second[0]):
        return first + second
    return f"{first} {second}"


@dataclass
class Paragraph:
    lines: list[Line]
    pages: list[int]  # page of each line
    heading: bool = False

    @property
    def text(self) -> str:
        out = ""
        for ln in self.lines:
            out = join_lines(out, ln.text)
        return out

    def page_breaks(self) -> list[int]:
        """Offsets in text where a later page begins."""
        out, breaks, page = "", [], self.pages[0]
        for ln, p in zip(self.lines, self.pages, strict=True):
            out = join_lines(out, ln.text)
            if p != page:
                breaks.append(len(out) - len(ln.text.lstrip()))
                page = p
        return breaks


def _right_edges(lines: list[Line]) -> dict[int, float]:
    """Line id -> where the lines of its column end: those starting near where it starts
    (one pass over the lines sorted by start, so a page of many lines stays cheap)."""
    ordered = sorted(lines, key=lambda ln: ln.x0)
    starts = [ln.x0 for ln in ordered]
    edges = {}
    for ln in lines:
        near = ordered[bisect.bisect_left(starts, ln.x0 - 3 * ln.height) : bisect.bisect_right(starts, ln.x0 + 3 * ln.height)]
        edges[id(ln)] = max(x.x1 for x in near[:2000]) if near else ln.x1
    return edges


def paragraphs_of_lines(pages: list[list[Line]], first_page: int = 1) -> list[Paragraph]:
    """Rebuild paragraphs from lines in reading order, page after page. A paragraph ends
    at a wider gap than the usual line spacing, a change of font size, or a short line
    ending a sentence; it runs on across a column or page break when its last line does
    not end a sentence."""
    gaps = [
        a.y0 - b.y1
        for lines in pages
        for a, b in zip(lines, lines[1:], strict=False)
        if a.y0 > b.y1 and abs(a.size - b.size) < 0.5 and a.y0 - b.y1 < 3 * a.height
    ]
    usual_gap = statistics.median(gaps) if gaps else 0.0
    body = statistics.median([ln.size for lines in pages for ln in lines] or [10.0])
    paragraphs: list[Paragraph] = []
    current: Paragraph | None = None
    for number, lines in enumerate(pages, first_page):
        right_edge = _right_edges(lines)
        for i, ln in enumerate(lines):
            prev = current.lines[-1] if current else None
            if prev is None or current is None or abs(ln.size - prev.size) > 0.15 * max(prev.size, 1.0):
                new = True
            elif i == 0 or ln.y1 > prev.y1:  # a new page or column
                new = bool(_SENTENCE_END.search(prev.text.rstrip()))
            else:
                gap = prev.y0 - ln.y1
                short = prev.x1 < right_edge.get(id(prev), prev.x1) - 3 * prev.height and bool(_SENTENCE_END.search(prev.text.rstrip()))
                new = gap > usual_gap * 1.6 + 1.0 or short
            if new:
                current = Paragraph([ln], [number], heading=ln.size > body * 1.15)
                paragraphs.append(current)
            else:
                assert current is not None
                current.lines.append(ln)
                current.pages.append(number)
    for p in paragraphs:
        if p.heading and len(p.text) > 80:  # large print, but a paragraph of it
            p.heading = False
    return paragraphs
