"""Low-level writing of files that hold personal data, shared by :mod:`aidtools.merging` and
:mod:`aidtools.outputs`: :mod:`.cells` (spreadsheet cells that stay text and never run a formula;
CSV values a spreadsheet will not evaluate), :mod:`.xlsx_writer` (a new all-text workbook written
fast, the same cells as :func:`.cells.write_text`: the import and held-back workbooks) and
:mod:`.private` (owner-only folders and files, written beside their target and renamed into place;
file names made from data).

It imports nothing of aidtools, so every layer above may use it."""
