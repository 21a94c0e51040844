"""The checks: small vectorised functions over whole columns, each reporting findings by rule id.

- :mod:`~aidtools.checks.columns` prepares a column (kind of each cell, text, whitespace, numbers
  stored for text) and dispatches to the type checks;
- :mod:`~aidtools.checks.types` one function per column type (``code``, ``date8``, ``amount``...);
- :mod:`~aidtools.checks.idnumber` GB 11643 identity numbers;
- :mod:`~aidtools.checks.rows` rules across the columns of a row and duplicate keys;
- :mod:`~aidtools.checks.structure` formulas, merged cells, hidden rows, empty templates.
"""
