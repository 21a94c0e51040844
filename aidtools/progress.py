"""A progress bar for long batches: tqdm on a terminal, silent when output is not a terminal."""
from __future__ import annotations

import sys


def progress_bar(label: str):
    def wrap(items):
        items = list(items)
        if len(items) < 2 or not sys.stderr.isatty():
            return items
        from tqdm.auto import tqdm  # only for a bar someone sees

        return tqdm(items, desc=label, unit="个", disable=len(items) < 2 or not sys.stderr.isatty(), leave=False)
    return wrap
