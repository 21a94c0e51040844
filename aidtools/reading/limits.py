"""Bounds that keep a hostile or broken file from exhausting time or memory. All configurable."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    # Sum of the uncompressed sizes of a workbook's zip parts.
    max_uncompressed_bytes: int = 2 * 1024**3
    # A part that expands more than this many times and beyond min_bomb_bytes is a zip bomb.
    max_compression_ratio: float = 200.0
    min_bomb_bytes: int = 50 * 1024**2
    # Data rows per sheet.
    max_rows: int = 2_000_000
    # Characters kept per cell (Excel's own limit is 32,767); longer cells are cut and reported.
    max_cell_chars: int = 32_767
    # Files larger than this on disk are not opened.
    max_file_bytes: int = 1024**3


DEFAULT_LIMITS = Limits()
