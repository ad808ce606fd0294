"""Import of KPI readings from a CSV or XLSX file, with the org import's rules: the whole file is read and checked,
each bad row is reported with its line and column, and nothing is written unless every row is valid."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ims.org.importer import ImportFileError, _decode

from .bulk import BulkRefused, RowError, readings_bulk_record
from .choices import ReadingChannel

COLUMNS = ("kpi", "site", "period", "value", "denominator", "comment")
REQUIRED = ("kpi", "site", "period", "value")
ALIASES = {
    "kpi_code": "kpi",
    "code": "kpi",
    "site_code": "site",
    "month": "period",
    "period_start": "period",
    "n": "denominator",
}
MAX_BYTES = 5 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class ReadingImportReport:
    rows: int = 0
    created: int = 0
    dry_run: bool = False
    applied: bool = False
    errors: list[RowError] = field(default_factory=list)


def _header(name) -> str:
    key = re.sub(r"[\s\-.]+", "_", str(name or "").strip().strip("*").lower()).strip("_")
    return ALIASES.get(key, key)


def _rows_from_table(table: list[list]) -> list[dict]:
    if not table:
        raise ImportFileError(_("The file is empty."))
    header = [_header(h) for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFileError(_("Missing column(s): %(c)s.") % {"c": ", ".join(missing)}, line=1)
    rows = []
    for values in table[1:]:
        if not any(str(v or "").strip() for v in values):
            continue
        rows.append(
            {
                name: ("" if value is None else value)
                for name, value in zip(header, values, strict=False)
                if name in COLUMNS
            }
        )
    if not rows:
        raise ImportFileError(_("The file has a header but no data rows."), line=2)
    return rows


def read_table(content: bytes, filename: str = "") -> list[dict]:
    if len(content) > MAX_BYTES:
        raise ImportFileError(
            _("The file is %(n)s bytes; the limit is %(m)s bytes.") % {"n": len(content), "m": MAX_BYTES}
        )
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except Exception:  # noqa: BLE001 — any unreadable workbook is one message
            raise ImportFileError(
                _("This XLSX file cannot be read; save it again from your spreadsheet program.")
            ) from None
        return _rows_from_table([list(row) for row in sheet.iter_rows(values_only=True)])
    text = _decode(content)
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t") if text.strip() else csv.excel
    return _rows_from_table([row for row in csv.reader(io.StringIO(text), dialect)])


def readings_import(*, actor, content: bytes, filename: str = "", dry_run: bool = False) -> ReadingImportReport:
    """Check and (unless ``dry_run``) record every row of the file; line numbers count the header as line 1."""
    report = ReadingImportReport(dry_run=dry_run)
    try:
        rows = read_table(content, filename)
    except ImportFileError as exc:
        report.errors.append(RowError(exc.line or 0, exc.column, exc.message))
        return report
    report.rows = len(rows)
    try:
        result = readings_bulk_record(actor=actor, rows=rows, channel=ReadingChannel.IMPORT, dry_run=dry_run)
    except BulkRefused as refused:
        report.errors = [RowError(e.row + 1 if e.row else 0, e.column, e.message) for e in refused.result.errors]
        return report
    report.created = result.created
    report.applied = not dry_run
    return report
