"""Lines, columns, running headers and paragraphs from character boxes (no PDF needed)."""

from __future__ import annotations

from rag.corpus.readers.pdf_layout import (
    Char,
    Line,
    body_lines,
    join_lines,
    lines_of,
    paragraphs_of_lines,
    reading_order,
    running_lines,
)

WIDTH = 600.0
HEIGHT = 800.0


def line(text: str, x0: float, top: float, size: float = 10.0, char_width: float = 10.0) -> Line:
    """A line of ``text`` starting at x0 whose glyph tops are at ``top`` (y grows upwards)."""
    chars, spaces, x = [], set(), x0
    for ch in text:
        if ch == " ":
            spaces.add(len(chars))
            x += char_width / 2
            continue
        chars.append(Char(ch, len(chars), x, top - size, x + char_width, top, size))
        x += char_width
    return Line(chars, spaces)


def test_chinese_lines_join_without_spaces_and_english_with_one():
    assert join_lines("俄羅斯每年最多可向中", "國輸送500億立方公尺") == "俄羅斯每年最多可向中國輸送500億立方公尺"
    assert join_lines("the Power of", "Siberia 2 pipeline") == "the Power of Siberia 2 pipeline"
    assert join_lines("（Power of Siberia 2,", "PoS-2）") == "（Power of Siberia 2, PoS-2）"
    assert join_lines("中俄之間", "Power") == "中俄之間Power"


def test_hyphenation_is_undone_but_a_dash_between_figures_stays():
    assert join_lines("natural gas trans-", "mission lines") == "natural gas transmission lines"
    assert join_lines("GDP的2-", "3%") == "GDP的2-3%"
    assert join_lines("Power of Siberia-", "2") == "Power of Siberia-2"


def test_a_comma_off_the_middle_of_the_line_stays_on_it():
    # "、" has a small box at the bottom of the line; it must not start a new line.
    chars = [Char("中", 0, 0, 0, 10, 11, 16), Char("、", 1, 10, 0, 13, 3, 16), Char("俄", 2, 20, 0, 30, 11, 16)]
    assert [ln.text for ln in lines_of(chars)] == ["中、俄"]


def test_breaks_off_baseline_moves_and_gutters_start_new_lines():
    chars = [Char("一", 0, 0, 100, 10, 110, 10), None, Char("二", 1, 0, 80, 10, 90, 10), Char("三", 2, 0, 60, 10, 70, 10)]
    assert [ln.text for ln in lines_of(chars)] == ["一", "二", "三"]
    left, right = Char("左", 0, 0, 0, 10, 10, 10), Char("右", 1, 320, 0, 330, 10, 10)
    assert [ln.text for ln in lines_of([left, right])] == ["左", "右"]


def _pages_with_running_lines(n: int) -> list[list[Line]]:
    return [
        [line(f"12/4/26 報告 第{i}版", 20, 780, 6, 6), line("正文第一行。", 50, 700), line(f"file:///a.html {i}/{n}", 20, 20, 6, 6)]
        for i in range(1, n + 1)
    ]


def test_running_headers_footers_and_page_numbers_are_removed():
    pages = _pages_with_running_lines(3)
    running = running_lines(pages, [HEIGHT] * 3)
    assert [[ln.text for ln in body_lines(p, running, HEIGHT)] for p in pages] == [["正文第一行。"]] * 3
    lone = [line("正文。", 50, 700), line("- 7 -", 290, 20)]
    assert [ln.text for ln in body_lines(lone, set(), HEIGHT)] == ["正文。"]  # a bare page number, even on one page


def test_a_single_page_keeps_lines_that_only_look_like_furniture():
    page = [line("標題在頂端", 50, 780), line("正文。", 50, 700)]
    assert running_lines([page], [HEIGHT]) == set()
    assert len(body_lines(page, set(), HEIGHT)) == 2


def test_a_line_repeated_on_every_page_outside_the_margins_is_kept():
    pages = [[line("每頁都有的正文句子。", 50, 400)] for _ in range(3)]
    running = running_lines(pages, [HEIGHT] * 3)
    assert all(body_lines(p, running, HEIGHT) == p for p in pages)


def test_two_columns_are_read_left_then_right_with_a_spanning_title_first():
    title = line("橫跨兩欄的標題文字橫跨兩欄的標題文字橫跨兩欄的標題", 40, 760)
    left = [line(f"左欄第{i}行文字", 40, 700 - 20 * i) for i in range(5)]
    right = [line(f"右欄第{i}行文字", 340, 700 - 20 * i) for i in range(5)]
    mixed = [title] + [x for pair in zip(left, right, strict=True) for x in pair]  # row by row, as some PDFs store them
    assert [ln.text for ln in reading_order(mixed, WIDTH)] == [title.text] + [ln.text for ln in left + right]


def test_one_column_is_read_top_down():
    lines = [line("第二行。", 40, 680), line("第一行，", 40, 700)]
    assert [ln.text for ln in reading_order(lines, WIDTH)] == ["第一行，", "第二行。"]


def test_paragraphs_split_at_wide_gaps_and_headings_by_size():
    page = [
        line("大標題", 40, 760, size=20),
        line("第一段第一行，文字一直寫到右邊界為止的長度啊", 40, 720),
        line("第一段第二行結束。", 40, 705),
        line("第二段在較寬的間距之後，一直寫到右邊界為止啊", 40, 670),
        line("第二段結束。", 40, 655),
    ]
    paragraphs = paragraphs_of_lines([page])
    assert [(p.text, p.heading) for p in paragraphs] == [
        ("大標題", True),
        ("第一段第一行，文字一直寫到右邊界為止的長度啊第一段第二行結束。", False),
        ("第二段在較寬的間距之後，一直寫到右邊界為止啊第二段結束。", False),
    ]


def test_a_paragraph_runs_on_across_a_page_and_records_where_the_page_breaks():
    first = [line("上一頁最後一段開始，", 40, 100), line("還沒有寫完的句子", 40, 85)]
    second = [line("在下一頁結束。", 40, 760), line("新的一段。", 40, 700)]
    paragraphs = paragraphs_of_lines([first, second])
    assert [p.text for p in paragraphs] == ["上一頁最後一段開始，還沒有寫完的句子在下一頁結束。", "新的一段。"]
    run_on = paragraphs[0]
    assert run_on.pages[0] == 1 and run_on.page_breaks() == [len("上一頁最後一段開始，還沒有寫完的句子")]
    assert paragraphs[1].pages == [2]


def test_a_sentence_ending_at_a_page_end_does_not_run_on():
    first = [line("這一段在頁尾結束。", 40, 100)]
    second = [line("下一頁是新的一段。", 40, 760)]
    assert [p.text for p in paragraphs_of_lines([first, second])] == ["這一段在頁尾結束。", "下一頁是新的一段。"]
