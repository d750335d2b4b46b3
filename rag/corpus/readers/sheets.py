"""Spreadsheets: XLSX with openpyxl (MIT), each sheet a page headed by its name; CSV with
the standard library. Every data row becomes one paragraph that keeps its column names."""

from __future__ import annotations

import csv
import io

from rag.corpus.extraction import Block, Extraction, table_rows
from rag.corpus.readers import Progress, ReadOptions, made_with
from rag.corpus.readers.archive import checked_zip
from rag.corpus.readers.text import decode

MAX_ROWS = 100_000  # per sheet; a sheet beyond that is cut, with a note
MAX_CELLS = 2_000_000  # per file: a few-kB file can declare a sheet of 16,384 columns


class XlsxReader:
    name = "xlsx"
    suffixes = (".xlsx", ".xlsm")
    version = made_with("1", "openpyxl")

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        import openpyxl

        checked_zip(data, "XLSX", options, parsed_whole=False)  # read row by row
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = book.worksheets
            blocks, notes, cells = [], [], 0
            for number, sheet in enumerate(sheets[: options.max_pages], 1):
                # Without this, read-only rows are padded to the width the file declares.
                sheet.reset_dimensions()
                rows = []
                for i, row in enumerate(sheet.iter_rows(values_only=True)):
                    if i >= MAX_ROWS or cells >= MAX_CELLS:
                        limit = f"the limit is {MAX_ROWS:,} rows, {MAX_CELLS:,} cells"
                        notes.append(f"sheet '{sheet.title}': only the first {i:,} rows were read ({limit}).")
                        break
                    values = list(row)
                    while values and values[-1] is None:
                        values.pop()
                    cells += len(values)
                    rows.append(values)
                lines = table_rows(rows)
                if lines:
                    blocks.append(Block(text=sheet.title, kind="heading", page=number))
                    blocks += [Block(text=line, kind="table_row", page=number) for line in lines]
            if len(sheets) > options.max_pages:
                notes.append(f"only the first {options.max_pages:,} of {len(sheets):,} sheets were read (RAG_MAX_PAGES).")
            props = book.properties
            date = props.created.date().isoformat() if props.created else None
            return Extraction.of(blocks, pages=len(sheets), date=date, title=props.title or "", notes=notes)
        finally:
            book.close()


class CsvReader:
    name = "csv"
    suffixes = (".csv", ".tsv")
    version = "1"

    def read(self, data: bytes, options: ReadOptions, progress: Progress | None = None) -> Extraction:
        text, _encoding = decode(data)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;|")
        except csv.Error:
            dialect = csv.excel
        rows = [row for _, row in zip(range(MAX_ROWS + 1), csv.reader(io.StringIO(text), dialect), strict=False)]
        notes = [f"only the first {MAX_ROWS:,} rows were read."] if len(rows) > MAX_ROWS else []
        return Extraction.of([Block(text=line, kind="table_row") for line in table_rows(rows[: MAX_ROWS + 1])], notes=notes)
