"""Reading the legacy spreadsheets 科协 clerks actually have, and normalising their cells.

`read_sheet` accepts .xlsx, .xls (xlrd) and CSV in UTF-8 or GBK/GB18030 (detected), finds the
header row below any title rows, drops a 序号 column and blank rows, and keeps each data row's
own row number in the sheet so a report points at the row the clerk sees. `Normaliser` turns
what a person typed into what the resources expect: trimmed text with full-width letters and
digits made half-width, Chinese labels (市级, 市科协) into codes, 是/否/Y/N/有/无/✓ into
booleans, 2024/3/1 or 2026年2月28日 into dates, and account or ID numbers kept as text (a
number Excel has already rounded is refused, never stored).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

HEADER_SCAN_ROWS = 20
SERIAL_HEADERS = {"序号", "序", "编号", "no", "no.", "#", "行号"}
TRUE_WORDS = {"是", "y", "yes", "有", "✓", "√", "✔", "true", "1", "对", "具有", "具备"}
FALSE_WORDS = {"否", "n", "no", "无", "✗", "×", "✘", "false", "0", "不是", "没有", "不具有"}
EXCEL_DIGITS = 15  # Excel keeps 15 significant digits of a number; more are rounded away


class SheetUnreadable(ValueError):
    """The file is none of the accepted formats, or no header row was found."""


@dataclass
class SheetRow:
    number: int  # the row's number in the sheet as the clerk sees it (first row is 1)
    cells: list[Any]


@dataclass
class Sheet:
    header_row: int
    headers: list[str]  # the header cells as written (trimmed)
    rows: list[SheetRow] = field(default_factory=list)


# --- formats --------------------------------------------------------------------------------


def sniff_format(content: bytes) -> str:
    if content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"
    if b"\x00" in content[:4096]:
        raise SheetUnreadable("文件不是 Excel（.xlsx/.xls）或 CSV 文本文件。")
    return "csv"


def _xlsx_rows(content: bytes) -> list[SheetRow]:
    from openpyxl import load_workbook

    # Read-only (streaming) mode: several times faster on a 10,000-row file and flat in
    # memory. The stored dimension is ignored (some tools write a wrong one), so every row
    # is read; rows may come back shorter than the header (callers check the length).
    wb = load_workbook(io.BytesIO(content), data_only=True, read_only=True)
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()
        return [
            SheetRow(number, list(values))
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1)
        ]
    finally:
        wb.close()


def _xls_rows(content: bytes) -> list[SheetRow]:
    import xlrd

    book = xlrd.open_workbook(file_contents=content)
    sheet = book.sheet_by_index(0)
    rows = []
    for r in range(sheet.nrows):
        values = []
        for c in range(sheet.ncols):
            cell = sheet.cell(r, c)
            if cell.ctype == xlrd.XL_CELL_DATE:
                values.append(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode))
            elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                values.append(None)
            elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                values.append(bool(cell.value))
            else:
                values.append(cell.value)
        rows.append(SheetRow(r + 1, values))
    return rows


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM) first; otherwise the detected encoding, GBK read as GB18030."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(content).best()
    encoding = (best.encoding if best else "gb18030").lower().replace("-", "_")
    if encoding in {"gb2312", "gbk", "gb18030", "hz", "cp936"} or best is None:
        encoding = "gb18030"  # a superset: GBK files with rare characters still read
    try:
        return content.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SheetUnreadable(
            "无法识别 CSV 文件的文字编码（请另存为 UTF-8 或 Excel 格式）。"
        ) from exc


def _csv_rows(content: bytes) -> list[SheetRow]:
    text = decode_text(content)
    sample = text[:4096]
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows = []
    for values in reader:
        rows.append(SheetRow(reader.line_num, [v if v != "" else None for v in values]))
    return rows


def raw_rows(content: bytes) -> list[SheetRow]:
    kind = sniff_format(content)
    try:
        return {"xlsx": _xlsx_rows, "xls": _xls_rows, "csv": _csv_rows}[kind](content)
    except SheetUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 (a damaged file is the user's problem to fix)
        raise SheetUnreadable(f"无法读取文件（{kind}）：{exc}") from exc


# --- header row -----------------------------------------------------------------------------


def header_key(text: Any) -> str:
    """A header cell as compared: trimmed, half-width, spaces and line breaks removed."""
    return _SPACES.sub("", to_half_width(str(text or ""), everything=True)).lower()


_SPACES = re.compile(r"\s+")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not to_half_width(value).strip())


def read_sheet(content: bytes, known: Callable[[str], str | None]) -> Sheet:
    """Return the sheet's header row (the first one whose cells name known columns, so title
    rows above it are skipped) and the non-blank rows below it, with their sheet numbers."""
    rows = raw_rows(content)
    best = None
    for row in rows[:HEADER_SCAN_ROWS]:
        filled = [c for c in row.cells if not is_blank(c)]
        if not filled:
            continue
        hits = sum(1 for c in filled if known(header_key(c)))
        if hits >= 2 or (hits and hits == len(filled)):
            best = row
            break
    if best is None:
        raise SheetUnreadable(
            f"在前 {HEADER_SCAN_ROWS} 行中找不到表头行（表头应与下载的模板一致，如“城市代码”“名称”）。"
        )
    headers = [str(c).strip() if not is_blank(c) else "" for c in best.cells]
    sheet = Sheet(best.number, headers)
    for row in rows:
        if row.number <= best.number or all(is_blank(c) for c in row.cells):
            continue
        sheet.rows.append(row)
    return sheet


# --- cell normalisation ---------------------------------------------------------------------

_FULL_WIDTH_ALL = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH_ALL[0x3000] = 0x20  # ideographic space
_FULL_WIDTH_TEXT = {
    code: code - 0xFEE0
    for code in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
    + [0xFF0D, 0xFF0E, 0xFF0F, 0xFF20, 0xFF3F]  # －．／＠＿ (dates, e-mail, codes)
}
_FULL_WIDTH_TEXT[0x3000] = 0x20


def to_half_width(text: str, *, everything: bool = False) -> str:
    """Full-width letters, digits and －．／＠＿ → half-width; ideographic space → space.

    Chinese punctuation such as （）、：is kept in text (names are stored with it); header
    cells and choice values are compared with `everything=True`.
    """
    return text.translate(_FULL_WIDTH_ALL if everything else _FULL_WIDTH_TEXT)


def clean_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    text = to_half_width(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


class CellError(ValueError):
    """A cell a person must correct; the message names what is allowed."""


def clean_number_text(value: Any) -> str:
    """An account, ID or phone number: text, never a rounded float."""
    if isinstance(value, bool):
        raise CellError("应为号码（文本），不能是“是/否”。")
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            raise CellError(f"号码“{value}”是小数格式：请把该列设为“文本”格式后重新输入完整号码。")
        digits = str(int(value))
        if len(digits.lstrip("-")) > EXCEL_DIGITS:
            raise CellError(
                f"号码“{digits}”是以数字格式保存的，超过 {EXCEL_DIGITS} 位的号码在 Excel 中"
                "会丢失末尾数字：请把该列设为“文本”格式后重新输入完整号码（或在号码前加英文单引号 '）。"
            )
        return digits
    text = clean_text(value)
    text = text.lstrip("'")
    if re.fullmatch(r"[0-9.]+[eE]\+?[0-9]+", text):
        raise CellError(
            f"号码“{text}”是科学计数法，已丢失末尾数字：请把该列设为“文本”格式后重新输入完整号码。"
        )
    return re.sub(r"[\s-]+", "", text) if re.fullmatch(r"[0-9\s-]+", text) else text


def clean_code(value: Any) -> str:
    """A credit code or similar: half-width, upper case, no spaces."""
    return re.sub(r"\s+", "", clean_number_text(value)).upper()


def clean_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if is_blank(value):
        return None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = clean_text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"“{clean_text(value)}”无法识别，请填“是”或“否”（也可填 Y/N、有/无、✓）。")


_CN_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_CN_NUMERALS = {ch: str(i) for i, ch in enumerate("〇一二三四五六七八九")}
_CN_NUMERALS["零"] = "0"
_CN_NUMERALS["○"] = "0"


def _cn_numerals_to_digits(text: str) -> str:
    """二〇二五年三月十二日 → 2025年3月12日 (years digit by digit, months/days with 十)."""

    def small(part: str) -> str:
        if "十" not in part:
            return "".join(_CN_NUMERALS.get(ch, ch) for ch in part)
        tens, _sep, ones = part.partition("十")
        return str(
            int(_CN_NUMERALS.get(tens, "1") if tens else 1) * 10
            + int(_CN_NUMERALS.get(ones, "0") if ones else 0)
        )

    m = re.fullmatch(
        r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日",
        text,
    )
    if not m:
        return text
    year = "".join(_CN_NUMERALS[ch] for ch in m.group(1))
    return f"{year}年{small(m.group(2))}月{small(m.group(3))}日"


def clean_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if is_blank(value):
        return None
    if isinstance(value, int | float) and 20000 < float(value) < 80000:
        # An Excel serial date that reached us as a number (a CSV saved from Excel).
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    text = _cn_numerals_to_digits(clean_text(value).replace(" ", ""))
    text = re.sub(r"\s*0?0:00(:00)?$", "", text)
    m = _CN_DATE.match(text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            pass
    raise CellError(
        f"日期“{clean_text(value)}”无法识别，请填写如 2025-03-01、2025/3/1 或 2025年3月1日。"
    )


def clean_year(value: Any) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = clean_text(value).removesuffix("年度").removesuffix("年")
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    raise CellError(f"年份“{clean_text(value)}”无效，请填写四位年份，如 2024。")


@dataclass(frozen=True)
class Choices:
    """A choice column: codes and their Chinese labels (plus a few synonyms) → code."""

    pairs: tuple[tuple[str, str], ...]  # (code, label)
    synonyms: tuple[tuple[str, str], ...] = ()  # (word, code)

    def lookup(self) -> dict[str, str]:
        # Built once per column and file (not once per cell: 10,000 rows × every label).
        try:
            return self.__dict__["_table"]
        except KeyError:
            pass
        table: dict[str, str] = {}
        for code, label in self.pairs:
            if not code:
                continue
            table[header_key(code)] = code
            table[header_key(label)] = code
        for word, code in self.synonyms:
            table.setdefault(header_key(word), code)
        self.__dict__["_table"] = table  # a frozen dataclass: cached beside its fields
        return table

    def allowed(self) -> str:
        return "、".join(f"{label}（{code}）" for code, label in self.pairs if code)

    def clean(self, value: Any) -> str:
        if is_blank(value):
            return ""
        code = self.lookup().get(header_key(value))
        if code is None:
            raise CellError(f"“{clean_text(value)}”不是可选的值，可填：{self.allowed()}。")
        return code


def iter_labels(choices: Iterable) -> tuple[tuple[str, str], ...]:
    return tuple((str(code), str(label)) for code, label in choices)
