"""Collecting findings from vectorised checks: a boolean mask in, rows of the findings frame out."""
from __future__ import annotations

import numpy as np
import pandas as pd

from aidtools.findings import CELL_FIELDS, concat, empty_frame
from aidtools.masking import mask_series
from aidtools.rules import RULES


class Hits:
    """Accumulates findings for one sheet. ``excel_rows`` maps data-row positions to Excel rows."""

    def __init__(self, path: str, sheet: str, excel_rows: np.ndarray):
        self.path = path
        self.sheet = sheet
        self.excel_rows = excel_rows
        self.frames: list[pd.DataFrame] = []

    def add(self, mask, rule: str, message, *, column: str | None = None, field: str | None = None,
            values: pd.Series | None = None, personal: str | None = None, severity: str | None = None) -> None:
        """Report ``rule`` on every data row where ``mask`` is true.

        ``message`` is one string or a Series aligned with the mask; ``values`` the offending values,
        masked with ``personal`` (``id_no``, ``bank_card``, ``mobile``, ``income``).
        """
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        idx = np.flatnonzero(mask)
        n = len(idx)
        frame = pd.DataFrame({
            "rule": [rule] * n,
            "severity": [severity or RULES[rule].severity] * n,
            "message": (message.to_numpy()[idx] if isinstance(message, pd.Series) else [message] * n),
            "path": [self.path] * n,
            "sheet": [self.sheet] * n,
            "row": self.excel_rows[idx],
            "column": [column] * n,
            "field": [field] * n,
            "value": (mask_series(values.iloc[idx].reset_index(drop=True), personal).to_numpy()
                      if values is not None else [None] * n),
        })
        self.frames.append(frame[list(CELL_FIELDS)])

    def frame(self) -> pd.DataFrame:
        return concat(self.frames) if self.frames else empty_frame()
