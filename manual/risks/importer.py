"""Import of register entries from CSV or XLSX, with the org import's rules (``ims.org.importer``).

Every row is checked before anything is written; errors name the row (the line of the file) and the column.
One error anywhere and nothing is written. A dry run checks and reports what would change. Rows are matched by
``reference``: a new reference (or none: the next free one) adds an entry, a known one updates it when a value
differs (with the reason "Imported from <file>"), so importing the same file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from dataclasses import asdict, dataclass, field

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ims.access.permissions import user_can, user_can_at_site
from ims.audit.context import audit_context
from ims.org.models import Person, Site
from ims.web.exports import SafeCsvWriter

from . import services
from .choices import KIND_DISCIPLINE, EntryKind, OperatingCondition
from .models import RiskEntry
from .scoring import methods

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
COLUMNS = (
    "reference", "kind", "site_code", "process_code", "title", "description", "hazard", "aspect", "impact",
    "operating_condition", "activity", "people_exposed", "existing_controls",
    "inherent_severity", "inherent_likelihood", "inherent_detectability",
    "residual_severity", "residual_likelihood", "residual_detectability", "residual_justification",
    "owner_employee_id", "review_date",
)  # fmt: skip
REQUIRED_COLUMNS = ("kind", "site_code", "process_code", "title", "inherent_severity", "inherent_likelihood",
                    "residual_severity", "residual_likelihood", "owner_employee_id", "review_date")  # fmt: skip
ALIASES = {"site": "site_code", "process": "process_code", "owner": "owner_employee_id", "ref": "reference",
           "owner_employee": "owner_employee_id", "next_review": "review_date", "type": "kind"}  # fmt: skip
KIND_ALIASES = {
    "quality": EntryKind.QUALITY_RISK, "quality_risk": EntryKind.QUALITY_RISK, "qr": EntryKind.QUALITY_RISK,
    "environment": EntryKind.ENVIRONMENTAL_ASPECT, "environmental_aspect": EntryKind.ENVIRONMENTAL_ASPECT,
    "aspect": EntryKind.ENVIRONMENTAL_ASPECT, "ea": EntryKind.ENVIRONMENTAL_ASPECT,
    "ohs": EntryKind.OHS_HAZARD, "ohs_hazard": EntryKind.OHS_HAZARD, "oh&s": EntryKind.OHS_HAZARD,
    "hazard": EntryKind.OHS_HAZARD, "oh": EntryKind.OHS_HAZARD,
}  # fmt: skip
SCORES = services.SCORE_FIELDS
TEXTS = ("title", *services.TEXT_FIELDS[1:])


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class ImportIssue:
    line: int | None
    column: str
    message: str


@dataclass
class RegisterImportReport:
    """What an import found and did; the same for the page and the API."""

    source: str
    dry_run: bool
    sha256: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: bool = False
    file_error: bool = False
    errors: list[ImportIssue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not self.file_error and not self.errors

    def to_dict(self) -> dict:
        return {**asdict(self), "accepted": self.accepted}


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    errors: list[ImportIssue] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    existing: RiskEntry | None = None
    changes: dict = field(default_factory=dict)

    def error(self, column: str, message: str) -> None:
        self.errors.append(ImportIssue(self.line, column, message))


# --- Reading -------------------------------------------------------------------------------------------------


def _normalise(name) -> str:
    key = re.sub(r"[\s\-.]+", "_", str(name or "").strip().strip("*").strip().lower()).strip("_")
    return key if key in COLUMNS else ALIASES.get(key, key)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(content: bytes, filename: str) -> list[list[str]]:
    if not content.strip():
        raise ImportFileError("The file is empty.")
    if len(content) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    if content[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - any unreadable workbook is one message
            raise ImportFileError(
                "This is not a readable XLSX workbook; save it again from the spreadsheet."
            ) from error
        sheet = workbook.worksheets[0]
        table = [[_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return table
    if b"\x00" in content:
        raise ImportFileError("This is neither a CSV text file nor an XLSX workbook.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 encoded. Save it as “CSV UTF-8” and upload it again.") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)]
    except csv.Error as error:
        raise ImportFileError(f"The CSV is malformed: {error}.") from None


def _rows(table: list[list[str]], report: RegisterImportReport) -> list[_Row]:
    if not table:
        raise ImportFileError("The file has no header row.")
    columns = [_normalise(name) for name in table[0]]
    seen = set()
    for index, (name, original) in enumerate(zip(columns, table[0], strict=True)):
        if name in seen:
            raise ImportFileError(f"Column “{original}” appears twice in the header.")
        seen.add(name)
        if name not in COLUMNS:
            if str(original or "").strip():
                report.notices.append(f"Column “{original}” is not part of the format and is ignored.")
            columns[index] = ""
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        raise ImportFileError("Required column(s) missing: " + ", ".join(missing) + ".")
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(c or "").strip() for c in cells):
            continue
        rows.append(_Row(line=number, values={n: _cell(c) for n, c in zip(columns, cells, strict=False) if n}))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has {len(rows)} rows; import at most {MAX_ROWS} at a time.")
    return rows


# --- Checking ------------------------------------------------------------------------------------------------


class _Lookups:
    """Every record the rows name, read once (a handful of queries, whatever the number of rows)."""

    def __init__(self, actor, rows: list[_Row]) -> None:
        def codes(column: str) -> set[str]:
            return {r.values.get(column, "").strip().upper() for r in rows} - {""}

        process_model = apps.get_model("processes", "Process")
        self.sites = {s.code: s for s in Site.objects.filter(code__in=codes("site_code"), is_active=True)}
        self.may_add = {
            code: actor is None or user_can_at_site(actor, services.PERM_ADD, s) for code, s in self.sites.items()
        }
        processes = process_model.objects.all() if actor is None else process_model.objects.restrict(actor, "view")
        self.processes = {p.code: p for p in processes.filter(code__in=codes("process_code"), is_active=True)}
        self.process_sites: set[tuple[int, int]] = set(
            process_model.sites.through.objects.filter(
                process_id__in=[p.pk for p in self.processes.values()]
            ).values_list("process_id", "site_id")
        )
        people = Person.objects.all() if actor is None else Person.objects.restrict(actor, "view")
        wanted = {r.values.get("owner_employee_id", "").strip() for r in rows} - {""}
        self.people = {p.employee_id: p for p in people.filter(employee_id__in=wanted, is_active=True)}
        self.entries = {
            e.reference: e
            for e in RiskEntry._base_manager.filter(reference__in=codes("reference")).select_related(
                "site", "process", "owner"
            )
        }
        self.methods = methods()


def _int(row: _Row, column: str) -> int | None:
    raw = row.values.get(column, "")
    if not raw:
        return None
    if not re.fullmatch(r"\d{1,3}", raw):
        row.error(column, f"“{raw}” is not a whole number.")
        return None
    return int(raw)


def _check(row: _Row, look: _Lookups, actor) -> None:
    values = row.values
    kind = KIND_ALIASES.get(values.get("kind", "").strip().lower().replace(" ", "_"))
    if kind is None:
        row.error(
            "kind", f"“{values.get('kind', '')}” is not a kind: use quality_risk, environmental_aspect or ohs_hazard."
        )
        return
    site = look.sites.get(values.get("site_code", "").upper())
    if site is None:
        row.error("site_code", f"No active site {values.get('site_code', '')!r} is known.")
    elif not look.may_add[site.code]:
        row.error("site_code", f"You may not add register entries at site {site.code}.")
    process = look.processes.get(values.get("process_code", "").upper())
    if process is None:
        row.error("process_code", f"No active process {values.get('process_code', '')!r} is visible to you.")
    elif site is not None and (process.pk, site.pk) not in look.process_sites:
        row.error("process_code", f"{process.code} does not run at {site.code}.")
    owner = look.people.get(values.get("owner_employee_id", ""))
    if owner is None:
        row.error(
            "owner_employee_id",
            f"No active person with employee id {values.get('owner_employee_id', '')!r} is visible to you.",
        )
    review = values.get("review_date", "")
    review_date = None
    try:
        review_date = datetime.date.fromisoformat(review) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", review) else None
    except ValueError:
        pass
    if review_date is None:
        row.error("review_date", f"“{review}” is not a date in the form YYYY-MM-DD.")
    condition = values.get("operating_condition", "").strip().lower()
    if condition and condition not in OperatingCondition.values:
        row.error("operating_condition", f"“{condition}” is not normal, abnormal or emergency.")
    data = {"kind": kind, "site": site, "process": process, "owner": owner, "review_date": review_date}
    data.update({name: values.get(name, "") for name in TEXTS})
    data["operating_condition"] = condition
    data.update({name: _int(row, name) for name in SCORES})
    if row.errors:
        return
    entry = RiskEntry(**data)
    reference = values.get("reference", "").strip().upper()
    if reference and reference in look.entries:
        row.existing = look.entries[reference]
        if actor is not None and not user_can(actor, "change", row.existing):
            row.error("reference", f"{reference} exists and you may not change it.")
            return
        if not row.existing.is_active:
            row.error("reference", f"{reference} is retired.")
            return
        if row.existing.site_id != site.pk:
            row.error(
                "site_code", f"{reference} belongs to site {row.existing.site.code}; entries do not move by import."
            )
            return
    problems = services.score_entry(entry, look.methods[KIND_DISCIPLINE[kind]])
    for name in services.KIND_FIELDS[kind]:
        if not (data.get(name) or "").strip():
            problems.setdefault(name, f"A {EntryKind(kind).label.lower()} needs the {name.replace('_', ' ')}.")
    for column, message in problems.items():
        row.error(column, str(message))
    if row.errors:
        return
    try:
        entry.full_clean(exclude=["reference", "discipline", "inherent_score", "residual_score", "inherent_band",
                                  "residual_band"], validate_unique=False, validate_constraints=False)  # fmt: skip
    except ValidationError as error:
        for column, messages in error.message_dict.items():
            row.error(column, " ".join(messages))
        return
    row.data = {**data, "reference": reference}
    if row.existing is not None:
        row.changes = {
            name: value
            for name, value in data.items()
            if name not in ("kind",)
            and _differs(
                getattr(row.existing, name if name not in ("site", "process", "owner") else f"{name}_id"), value
            )
        }
        if data["kind"] != row.existing.kind:
            row.error("kind", "The kind of an entry does not change; retire it and add a new one.")


def _differs(current, new) -> bool:
    if hasattr(new, "pk"):
        return current != new.pk
    if current is None and new in ("", None):
        return False
    return (current or "") != (new or "") if isinstance(new, str) else current != new


def register_import(
    *, actor, content: bytes, filename: str = "upload.csv", dry_run: bool = False
) -> RegisterImportReport:
    """Check every row, then (unless a dry run or any error) write them all in one transaction."""
    report = RegisterImportReport(source=filename, dry_run=dry_run, sha256=hashlib.sha256(content).hexdigest())
    try:
        rows = _rows(_table(content, filename), report)
    except ImportFileError as error:
        report.file_error = True
        report.errors.append(ImportIssue(None, "", str(error)))
        return report
    report.rows = len(rows)
    look = _Lookups(actor, rows)
    references: dict[str, int] = {}
    for row in rows:
        _check(row, look, actor)
        reference = row.values.get("reference", "").strip().upper()
        if reference:
            if reference in references:
                row.error("reference", f"{reference} is also on line {references[reference]}.")
            references.setdefault(reference, row.line)
        report.errors.extend(row.errors)
    for row in rows:
        if row.existing is None:
            report.created += 1
        elif row.changes:
            report.updated += 1
        else:
            report.unchanged += 1
    if report.errors or dry_run:
        return report
    try:
        with transaction.atomic(), audit_context(channel="import", reason=f"Imported from {filename}"):
            for row in rows:
                if row.existing is None:
                    services.entry_create(actor=actor, **row.data)
                elif row.changes:
                    services.entry_update(actor=actor, entry=row.existing, data=row.changes)
    except (ValidationError, PermissionDenied) as error:
        report.errors.append(ImportIssue(None, "", " ".join(getattr(error, "messages", [str(error)]))))
        return report
    report.applied = True
    return report


def template_csv() -> bytes:
    example = ["", "ohs_hazard", "BSL", "PROD-01", "Drum handling", "", "Manual lifting", "", "", "",
               "Drum transfer", "Warehouse operators", "Trolley", "4", "3", "", "4", "2", "", "", "E0001",
               "2027-01-31"]  # fmt: skip
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(example)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
