"""A progress bar for long batches: tqdm on a terminal, silent when output is not a terminal."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress_bar(label: str):
    def wrap(items):
        items = list(items)
        return tqdm(items, desc=label, unit="个", disable=len(items) < 2 or not sys.stderr.isatty(), leave=False)
    return wrap
