"""Test documents made by the tests themselves, in every format the corpus reads: the seed
article as a web page (with a site's menu and footer around it), printed to PDF by headless
Chromium as a user's browser would, as DOCX, PPTX, XLSX, EPUB, and as a scan (page images
only). Nothing here is committed as a binary file."""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import SEED_DOC, SEEDS
from tests.ui.test_browser import CHROMIUM, CHROMIUM_ARGS

SITE_MENU = (
    '<nav class="menu"><ul><li><a href="/">首頁</a></li><li><a href="/politics">政治</a></li>'
    '<li><a href="/world">國際</a></li><li><a href="/sports">體育</a></li></ul></nav>'
)
SITE_FOOTER = (
    "<footer><p>© 2025 某某新聞網 版權所有 不得轉載</p><p><a href='/privacy'>隱私權政策</a> | <a href='/ads'>廣告刊登</a></p></footer>"
)


def seed_blocks() -> list[str]:
    """The seed article's blocks, without its date line: headings are the short ones."""
    text = re.sub(r"^\s*date \S+\s*", "", (SEEDS / SEED_DOC).read_text(encoding="utf-8"))
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def is_heading(block: str) -> bool:
    return len(block) <= 30 and not block.endswith("。")


def article_html(blocks: list[str] | None = None, site: bool = False, columns: int = 1, title: str = "中俄蒙邊防合作") -> str:
    blocks = blocks if blocks is not None else seed_blocks()
    body = "".join(f"<h2>{html.escape(b)}</h2>" if is_heading(b) else f"<p>{html.escape(b)}</p>" for b in blocks)
    style = f"<style>article {{ column-count: {columns}; column-gap: 2em; }}</style>" if columns > 1 else ""
    if site:
        body = f"{SITE_MENU}<main><article><h1>{html.escape(title)}</h1>{body}</article></main>{SITE_FOOTER}"
    else:
        body = f"<article>{body}</article>"
    head = f'<meta charset="utf-8"><title>{html.escape(title)}</title>{style}'
    return f'<!doctype html><html lang="zh-Hant"><head>{head}</head><body>{body}</body></html>'


def print_pdf(page_html: str, out: Path, header_footer: bool = True) -> Path:
    """Headless Chromium's print-to-pdf; by default with its running header (date, title)
    and footer (address, 'n/m') on every page, as a browser prints."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run should have installed it")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    source = out.with_suffix(".src.html")
    source.write_text(page_html, encoding="utf-8")
    profile = out.parent / f".chromium-{out.stem}"
    cmd = [CHROMIUM, *CHROMIUM_ARGS, f"--user-data-dir={profile}", f"--print-to-pdf={out}", source.as_uri()]
    if not header_footer:
        cmd.insert(1, "--no-pdf-header-footer")
    subprocess.run(cmd, check=True, capture_output=True, timeout=120)
    source.unlink()
    shutil.rmtree(profile, ignore_errors=True)
    return out


def scan_pdf(pdf: Path, out: Path, dpi: int = 300) -> Path:
    """The PDF as a scanner makes it: each page an image, no text layer."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    pages = [doc[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for i in range(len(doc))]
    doc.close()
    pages[0].save(out, save_all=True, append_images=pages[1:], resolution=dpi)
    return out


def page_png(pdf: Path, page: int, out: Path, dpi: int = 300) -> Path:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    doc[page - 1].render(scale=dpi / 72, grayscale=True).to_pil().save(out)
    doc.close()
    return out


def docx_file(out: Path, blocks: list[str] | None = None, table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = "中俄蒙邊防合作"
    for block in blocks if blocks is not None else seed_blocks():
        if is_heading(block):
            document.add_heading(block, level=2)
        else:
            document.add_paragraph(block)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                grid.cell(r, c).text = cell
    document.save(out)
    return out


def pptx_file(out: Path, slides: list[tuple[str, str]], table: list[list[str]] | None = None, notes: str = "") -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for i, (title, body) in enumerate(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        if i == len(slides) - 1 and table:
            shape = slide.shapes.add_table(len(table), len(table[0]), Inches(1), Inches(5), Inches(6), Inches(1))
            for r, row in enumerate(table):
                for c, cell in enumerate(row):
                    shape.table.cell(r, c).text = cell
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(out)
    return out


def xlsx_file(out: Path, sheets: dict[str, list[list[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(out)
    return out


def epub_file(out: Path, chapters: list[tuple[str, list[str]]], title: str = "測試之書") -> Path:
    """A minimal valid EPUB 3: container, package (manifest and spine), XHTML chapters.
    The spine lists the chapters in reverse file-name order, so reading order is tested."""
    names = [f"text/ch{i:02d}.xhtml" for i in range(len(chapters))]
    manifest = "".join(f'<item id="c{i}" href="{n}" media-type="application/xhtml+xml"/>' for i, n in enumerate(names))
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>',
        )
        z.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">'
            f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{html.escape(title)}</dc:title>'
            f"<dc:date>2024-05-01</dc:date></metadata><manifest>{manifest}</manifest><spine>{spine}</spine></package>",
        )
        for name, (heading, paragraphs) in zip(names, chapters, strict=True):
            body = f"<h1>{html.escape(heading)}</h1>" + "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            z.writestr(
                f"OEBPS/{name}",
                f'<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>{html.escape(heading)}</title></head><body>{body}</body></html>',
            )
    return out


def zip_bomb(out: Path, member: str = "word/document.xml", unpacked_mb: int = 600) -> Path:
    """A small zip posing as an Office file that unpacks to ``unpacked_mb`` MB of zeros."""
    chunk = b"\0" * 2**20
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open(member, "w", force_zip64=True) as f:
            for _ in range(unpacked_mb):
                f.write(chunk)
    return out


def huge_png_header(width: int = 100_000, height: int = 100_000) -> bytes:
    """A PNG whose header claims a gigantic image: only its first bytes are real."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def png_bytes(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def exploding_docx(out: Path, unpacked_mb: int = 40) -> Path:
    """A valid .docx (python-docx opens it) whose document.xml unpacks to ``unpacked_mb`` MB
    of real paragraphs, under the unpacked-size limit for the whole archive, zipped small."""
    plain = docx_file(out.with_suffix(".plain.docx"), blocks=["一段文字。"])
    with zipfile.ZipFile(plain) as source:
        original = source.read("word/document.xml").decode()
        others = [(info, source.read(info)) for info in source.infolist() if info.filename != "word/document.xml"]
    plain.unlink()
    head, _, tail = original.partition("<w:body>")
    # 200 paragraphs repeated: within deflate's 32 kB window, so the file stays small.
    unit = "".join(f"<w:p><w:r><w:t>第{i}段：管道每年輸送天然氣。</w:t></w:r></w:p>" for i in range(200)).encode()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for info, data in others:
            z.writestr(info.filename, data)
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            f.write((head + "<w:body>").encode())
            for _ in range(unpacked_mb * 2**20 // len(unit) + 1):
                f.write(unit)
            f.write(b"</w:body>" + tail.partition("</w:body>")[2].encode())
    return out


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A real, complete PNG of ``width`` x ``height`` white pixels, one bit each: every row
    is there, so a decoder would build the whole image (a byte a pixel in Pillow), while
    deflate squeezes it a thousandfold (60,000 x 60,000: 3.6 billion pixels in 440 KB)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\0" + b"\xff" * ((width + 7) // 8)  # filter byte, then the row's bits
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def blank_image(out: Path, side: int = 9_400, pages: int = 1) -> Path:
    """A white image of ``side`` x ``side`` pixels (9,400: 88 million, just under Pillow's
    decompression-bomb limit, so it is decoded), ``pages`` of them in a TIFF; a few hundred
    KB a page."""
    from PIL import Image

    white = Image.new("RGB" if out.suffix == ".png" else "L", (side, side), "white")
    if pages == 1:
        white.save(out)
    else:
        white.save(out, save_all=True, append_images=[white] * (pages - 1), compression="tiff_adobe_deflate")
    return out


def picture_pdf(out: Path, picture, inches: float, pages: int = 1) -> Path:
    """A PDF of ``pages`` pages ``inches`` wide, each only ``picture`` (a PIL image) drawn
    over the whole page: no text layer, so every page goes to OCR. The pages share one
    image, so 2,000 of them take a few hundred KB."""
    import pypdfium2 as pdfium

    one = out.with_suffix(".one.pdf")
    picture.save(one, resolution=picture.width / inches)
    doc = pdfium.PdfDocument.new()
    source = pdfium.PdfDocument(one)
    doc.import_pages(source, [0] * pages)
    doc.save(out)
    doc.close()
    source.close()
    one.unlink()
    return out


def noise(side: int = 400, seed: int = 1):
    """A grey image of random pixels: never blank, and OCR finds little or nothing in it."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    return Image.frombytes("L", (side, side), bytes(rng.randrange(256) for _ in range(side * side)))


def xxe_docx(out: Path, target: str = "/etc/hostname") -> Path:
    """A .docx whose document.xml declares an external entity naming ``target`` and uses it
    in a paragraph (XXE): a parser that resolved it would put that file's text in the index."""
    plain = docx_file(out.with_suffix(".plain.docx"), blocks=["外部實體測試：ENTITY_HERE。"])
    with zipfile.ZipFile(plain) as source:
        members = [(info.filename, source.read(info)) for info in source.infolist()]
    plain.unlink()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            if name == "word/document.xml":
                head, _, rest = data.partition(b"?>")
                doctype = f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{target}">]>'.encode()
                data = head + b"?>" + doctype + rest.replace(b"ENTITY_HERE", b"&xxe;")
            z.writestr(name, data)
    return out
