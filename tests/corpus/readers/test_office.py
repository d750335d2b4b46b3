"""DOCX, PPTX, XLSX and CSV readers on files the tests make: structure, tables, pages."""

from __future__ import annotations

from rag.corpus.extraction import paragraphs_of, table_rows
from rag.corpus.readers import ReadOptions
from rag.corpus.readers.docx import DocxReader
from rag.corpus.readers.pptx import PptxReader
from rag.corpus.readers.sheets import CsvReader, XlsxReader
from tests.documents import docx_file, pptx_file, seed_blocks, xlsx_file

OPTIONS = ReadOptions()
REVENUE = [["年份", "營收", "備註"], ["2023", "8億", ""], ["2024", "10億", "創新高"]]


def test_table_rows_keep_their_column_names():
    assert table_rows(REVENUE) == ["年份: 2023 · 營收: 8億", "年份: 2024 · 營收: 10億 · 備註: 創新高"]
    # A first row of figures is data, not a header.
    assert table_rows([[2023, 8], [2024, 10]]) == ["2023 · 8", "2024 · 10"]
    assert table_rows([["", ""], [" a\n b ", None]]) == ["a b"]
    # Years name columns too, and the corner above the row names may be blank.
    assert table_rows([["項目", "2023", "2024年"], ["營收", "8億", "10億"]]) == ["項目: 營收 · 2023: 8億 · 2024年: 10億"]
    assert table_rows([["", "2023", "2024"], ["營收", "8億", "10億"]]) == ["營收 · 2023: 8億 · 2024: 10億"]
    assert table_rows([["2023", "8億"], ["2024", "10億"]]) == ["2023 · 8億", "2024 · 10億"]


def test_docx_keeps_paragraphs_headings_and_tables_in_order(tmp_path):
    blocks = seed_blocks()
    extraction = DocxReader().read(docx_file(tmp_path / "a.docx", table=REVENUE).read_bytes(), OPTIONS)
    paragraphs = paragraphs_of("a.docx", extraction)
    body = [b for b in blocks if not (len(b) <= 30 and not b.endswith("。"))]
    assert [p.text for p in paragraphs] == body + table_rows(REVENUE)
    assert {p.page for p in paragraphs} == {None}
    assert paragraphs[4].heading == "明確聚焦聯合演練目的"
    assert extraction.title == "中俄蒙邊防合作" and extraction.date is not None
    for p in paragraphs:
        assert extraction.text[p.start : p.end] == p.text


def test_docx_merged_cells_are_read_once(tmp_path):
    import docx

    document = docx.Document()
    grid = document.add_table(rows=2, cols=3)
    for c, name in enumerate(["地區", "年份", "營收"]):
        grid.cell(0, c).text = name
    merged = grid.cell(1, 0).merge(grid.cell(1, 1))
    merged.text = "亞洲 2024"
    grid.cell(1, 2).text = "10億"
    document.save(tmp_path / "m.docx")
    extraction = DocxReader().read((tmp_path / "m.docx").read_bytes(), OPTIONS)
    assert [b.text for b in extraction.blocks] == ["地區: 亞洲 2024 · 營收: 10億"]


def test_pptx_slides_are_pages_with_title_headings_tables_and_notes(tmp_path):
    slides = [("第一張", "西伯利亞力量2號管道"), ("第二張", "每年最多輸送500億立方公尺")]
    path = pptx_file(tmp_path / "deck.pptx", slides, table=REVENUE, notes="講者備註：數字來自國防院。")
    extraction = PptxReader().read(path.read_bytes(), OPTIONS)
    paragraphs = paragraphs_of("deck.pptx", extraction)
    assert extraction.pages == 2
    assert [(p.page, p.heading, p.text) for p in paragraphs] == [
        (1, "第一張", "西伯利亞力量2號管道"),
        (1, "第一張", "講者備註：數字來自國防院。"),
        (2, "第二張", "每年最多輸送500億立方公尺"),
        *[(2, "第二張", row) for row in table_rows(REVENUE)],
        (2, "第二張", "講者備註：數字來自國防院。"),
    ]
    assert [p.page_paragraph for p in paragraphs] == [1, 2, 1, 2, 3, 4]
    assert paragraphs[2].location == "deck.pptx p.2 ¶1"


def test_pptx_slides_beyond_the_page_limit_are_left_out_with_a_note(tmp_path):
    path = pptx_file(tmp_path / "deck.pptx", [(f"第{i}張", f"內容{i}") for i in range(1, 6)])
    extraction = PptxReader().read(path.read_bytes(), ReadOptions(max_pages=3))
    assert {b.page for b in extraction.blocks} == {1, 2, 3} and extraction.pages == 5
    assert any("first 3 of 5 slides" in n for n in extraction.notes)


def test_xlsx_sheets_are_pages_and_rows_keep_their_header(tmp_path):
    path = xlsx_file(tmp_path / "book.xlsx", {"營收": REVENUE, "人口": [["國家", "人口"], ["蒙古", 3_400_000]]})
    extraction = XlsxReader().read(path.read_bytes(), OPTIONS)
    paragraphs = paragraphs_of("book.xlsx", extraction)
    assert [(p.page, p.heading, p.text) for p in paragraphs] == [
        (1, "營收", "年份: 2023 · 營收: 8億"),
        (1, "營收", "年份: 2024 · 營收: 10億 · 備註: 創新高"),
        (2, "人口", "國家: 蒙古 · 人口: 3400000"),
    ]
    assert extraction.pages == 2


def test_a_sheet_declaring_millions_of_cells_is_read_by_what_it_holds(tmp_path):
    import io
    import zipfile

    path = xlsx_file(tmp_path / "small.xlsx", {"表": [["名稱", "值"], ["管道", "500億"]]})
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data.replace(b'<dimension ref="A1:B2"/>', b'<dimension ref="A1:XFD1000000"/>')
            dst.writestr(item, data)
    assert b"XFD1000000" in zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml")
    assert [b.text for b in XlsxReader().read(out.getvalue(), OPTIONS).blocks] == ["表", "名稱: 管道 · 值: 500億"]


def test_csv_rows_keep_their_header_and_big5_is_decoded():
    data = "年份,營收\n2024,10億\n".encode("big5")
    assert [b.text for b in CsvReader().read(data, OPTIONS).blocks] == ["年份: 2024 · 營收: 10億"]
    tsv = b"country\tgas\nRussia\t50 billion m3\n"
    assert [b.text for b in CsvReader().read(tsv, OPTIONS).blocks] == ["country: Russia · gas: 50 billion m3"]
