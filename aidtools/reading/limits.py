"""Bounds that keep a hostile or broken file from exhausting time or memory. All configurable
(``aidtools check --max-rows N --max-uncompressed-mb N``).

>>> Limits(max_rows=10).max_rows, DEFAULT_LIMITS.max_cells
(10, 10000000)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # Sum of the uncompressed sizes of a workbook's zip parts.
    max_uncompressed_bytes: int = 2 * 1024**3
    # A part that expands more than this many times and beyond min_bomb_bytes is a zip bomb
    # (real sheets compress 5-30 times; 200 MB of repeated rows compresses 400 times).
    max_compression_ratio: float = 200.0
    min_bomb_bytes: int = 50 * 1024**2
    # Data rows per sheet.
    max_rows: int = 2_000_000
    # Cells of the grids calamine builds for all sheets together (rows × columns up to the last
    # cell with content, blanks included), beyond what the sheets' own size accounts for: a grid may
    # always have one cell per CELL_BYTES of sheet XML (a real sheet has one per 20-60 bytes), so
    # only a sparse, far-flung grid meets this floor. About 75 bytes of peak memory per cell.
    max_cells: int = 10_000_000
    # Characters kept per cell (Excel's own limit is 32,767); longer cells are cut and reported.
    max_cell_chars: int = 32_767
    # Files larger than this on disk are not opened.
    max_file_bytes: int = 1024**3


# The smallest a cell with content can be written in sheet XML is 22 bytes (<c r="A1"><v>1</v></c>).
CELL_BYTES = 10


def cell_budget(limits: Limits, sheet_bytes: int) -> int:
    """How many grid cells a workbook with ``sheet_bytes`` of sheet data may make calamine build.

    >>> cell_budget(DEFAULT_LIMITS, 1_000), cell_budget(DEFAULT_LIMITS, 900 * 1024**2)
    (10000000, 94371840)
    """
    return max(limits.max_cells, sheet_bytes // CELL_BYTES)


def check_grids(name: str, grids, budget: int, limits: Limits, counted: str, cause: str = "") -> None:
    """Refuse a workbook whose sheets' grids (``(sheet or None, rows, columns)``, as its own structure gives
    them) would be too many rows or, together, more cells than ``budget``: :class:`UnreadableFile`
    ``too_large`` naming the sheet. ``counted`` says what the cells include (repeated rows, blanks);
    ``cause`` the likely reason."""
    from aidtools.reading.errors import UnreadableFile

    total = 0
    for sheet, rows, columns in grids:
        where = f"工作表“{sheet}”" if sheet else "其中一个工作表"
        if rows > limits.max_rows + 1:
            raise UnreadableFile(f"{name}：{where}有 {rows} 行，超过上限 {limits.max_rows} 行。"
                                 "请拆分后提交；确需处理时可用 --max-rows 调高上限。", "too_large")
        total += rows * columns
        if total > budget:
            raise UnreadableFile(
                f"{name}：{where}的数据区域达 {rows} 行 × {columns} 列（约 {rows * columns // 10_000} 万个单元格，{counted}），"
                f"超出处理上限。{cause}请删除数据区以外的内容后另存为.xlsx再提交。", "too_large")


DEFAULT_LIMITS = Limits()
