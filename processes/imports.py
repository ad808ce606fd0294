"""Company standard import: the clauses of a corporate standard, a customer's requirements or a local regulation
from one CSV or JSON file, used by the upload page and the API.

It follows the org import's rules (``ims.org.importer``) and reuses its reading helpers and report items: the
whole file is read and checked before anything is written, every bad row is reported with its line number and
column, and nothing is written unless every row is valid (Annex 11 §5: bulk imports are atomic and report errors
per row). The standard is named by code and edition: an edition that exists gets the clauses it lacks (a number
it holds already is refused); a new edition is a new standard, so assessments made against the old one keep it.
ISO standards come from the library's data files (``processes.library``) and are not imported here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import time
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max

from ims.access.permissions import user_can_any_site
from ims.documents.choices import Discipline
from ims.org.importer import ImportFileError, ImportIssue, _decode
from ims.web.input import FORBIDDEN, control_character_error

from .models import Clause, Standard, StandardKind

logger = logging.getLogger("ims.processes.import")

IMPORT_PERMISSION = "processes.add_standard"
#: What may be imported; ISO standards are kept from the library's data files.
IMPORT_KINDS = (StandardKind.COMPANY, StandardKind.REGULATION, StandardKind.GUIDANCE)
COLUMNS = ("number", "title", "summary", "parent")
REQUIRED_COLUMNS = ("number", "title")
ALIASES = {
    "clause": "number",
    "clause_number": "number",
    "clause_no": "number",
    "no": "number",
    "name": "title",
    "heading": "title",
    "clause_title": "title",
    "requirement": "summary",
    "requirement_in_brief": "summary",
    "description": "summary",
    "parent_number": "parent",
    "parent_clause": "parent",
    "part_of": "parent",
}
LIMITS = {"number": 40, "title": 300, "summary": 4000, "parent": 40}
MAX_CLAUSES = 5000
CHANGES_SHOWN = 1000


def max_bytes() -> int:
    return getattr(settings, "IMS_STANDARD_IMPORT_MAX_BYTES", 2 * 1024 * 1024)


@dataclass
class ClauseChange:
    """One thing the import creates: the standard (line 0) or a clause (the line it is on)."""

    line: int
    clause: str
    action: str
    detail: str


@dataclass
class StandardImportReport:
    """What an import found and did; identical for the page and the API."""

    source: str
    dry_run: bool
    sha256: str
    size_bytes: int
    file_format: str = ""
    standard: str = ""
    standard_id: int | None = None
    standard_created: bool = False
    rows: int = 0
    invalid_rows: int = 0
    clauses_created: int = 0
    applied: bool = False
    file_error: bool = False
    duration_seconds: float = 0.0
    errors: list[ImportIssue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    changes: list[ClauseChange] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """True when the import is (or, for a dry run, would be) written: no error at all."""
        return not self.file_error and not self.errors and self.rows > 0

    def to_dict(self) -> dict:
        data = asdict(self)
        data["accepted"] = self.accepted
        return data


@dataclass
class StandardFields:
    """The standard the clauses belong to, as given on the page or in the API call (or in a JSON file)."""

    code: str = ""
    edition: str = ""
    title: str = ""
    kind: str = StandardKind.COMPANY
    disciplines: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    errors: list[ImportIssue] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append(ImportIssue(self.line, column, message))


# --- Reading the file ------------------------------------------------------------------------------


def _is_json(text: str, filename: str) -> bool:
    return filename.lower().endswith(".json") or text.lstrip()[:1] in ("[", "{")


def _normalise_header(name: str) -> str:
    key = re.sub(r"[\s\-.]+", "_", name.strip().strip("*").strip().lower()).strip("_")
    return key if key in COLUMNS else ALIASES.get(key, key)


def _cell(row: _Row, name: str, value: str) -> None:
    problem = control_character_error(value)
    if problem:
        row.error(name, problem)
        value = FORBIDDEN.sub("", value)
    row.values[name] = value.strip()


def _read_csv(text: str, report: StandardImportReport) -> list[_Row]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[_Row] = []
    try:
        header = next(reader)
        columns = [_normalise_header(name) for name in header]
        seen: set[str] = set()
        for index, (name, original) in enumerate(zip(columns, header, strict=True)):
            if name in seen:
                raise ImportFileError(f"Column “{original.strip()}” appears twice in the header.", line=1)
            if name not in COLUMNS:
                if original.strip():
                    report.notices.append(f"Column “{original.strip()}” is not part of the format and is ignored.")
                columns[index] = ""
            seen.add(name)
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ImportFileError(
                "Required column(s) missing: " + ", ".join(missing) + ". The header is: " + ", ".join(COLUMNS) + ".",
                line=1,
            )
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            row = _Row(line=line, values={})
            if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns) :]):
                row.error("", f"The row has {len(cells)} cells but the header has {len(columns)} columns.")
            for name, cell in zip(columns, cells, strict=False):
                if name:
                    _cell(row, name, cell)
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(
            f"The CSV is malformed near line {reader.line_num}: {exc}.", line=reader.line_num
        ) from None
    except StopIteration:
        raise ImportFileError("The file has no header row.") from None
    return rows


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def _element_starts(text: str, start: int) -> list[int]:
    """The offsets of the elements of the (valid) JSON array that begins at ``start``."""
    decoder = json.JSONDecoder()
    starts, index = [], _skip(text, start + 1)
    while index < len(text) and text[index] != "]":
        starts.append(index)
        _value, index = decoder.raw_decode(text, index)
        index = _skip(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    return starts


def _member_start(text: str, start: int, wanted: str) -> int | None:
    """The offset of the value of member ``wanted`` of the (valid) JSON object that begins at ``start``."""
    decoder = json.JSONDecoder()
    index = _skip(text, start + 1)
    while index < len(text) and text[index] != "}":
        key, index = decoder.raw_decode(text, index)
        index = _skip(text, _skip(text, index) + 1)  # past the colon
        if key == wanted:
            return index
        _value, index = decoder.raw_decode(text, index)
        index = _skip(text, index)
        if index < len(text) and text[index] == ",":
            index = _skip(text, index + 1)
    return None


def _read_json(text: str, fields: StandardFields, report: StandardImportReport) -> list[_Row]:
    """A list of clause objects, or an object with the standard's fields and ``clauses``; each clause is reported
    by the line its object starts on."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"The JSON is malformed on line {exc.lineno}, column {exc.colno}: {exc.msg}.", line=exc.lineno
        ) from None
    top = _skip(text, 0)
    if isinstance(data, dict):
        for name in ("code", "edition", "title", "kind"):
            value = data.get(name)
            if value in (None, ""):
                continue
            given = getattr(fields, name)
            if not isinstance(value, str):
                raise ImportFileError(f"“{name}” in the file must be text.", line=1, column=name)
            if given and given.strip() != value.strip():
                raise ImportFileError(
                    f"The file names {name} “{value}” but the import is for “{given}”: they must agree.",
                    line=1,
                    column=name,
                )
            setattr(fields, name, value.strip())
        if data.get("disciplines") and not fields.disciplines:
            fields.disciplines = data["disciplines"] if isinstance(data["disciplines"], list) else [None]
        items = data.get("clauses")
        if not isinstance(items, list):
            raise ImportFileError("The file must hold a list of clauses, or an object with a “clauses” list.", line=1)
        offset = _member_start(text, top, "clauses")
    elif isinstance(data, list):
        items, offset = data, top
    else:
        raise ImportFileError("The file must hold a list of clauses, or an object with a “clauses” list.", line=1)
    starts = _element_starts(text, offset) if items else []
    rows: list[_Row] = []
    for item, start in zip(items, starts, strict=True):
        row = _Row(line=text.count("\n", 0, start) + 1, values={})
        rows.append(row)
        if not isinstance(item, dict):
            row.error("", "Each clause must be an object with number, title, summary and parent.")
            continue
        unknown = sorted(set(item) - set(COLUMNS))
        if unknown:
            report.notices.append(f"Line {row.line}: {', '.join(unknown)} is not part of the format and is ignored.")
        for name in COLUMNS:
            value = item.get(name)
            if value is None:
                continue
            if isinstance(value, int | float) and not isinstance(value, bool) and name in ("number", "parent"):
                value = str(value)
            if not isinstance(value, str):
                row.error(name, f"“{name}” must be text.")
                continue
            _cell(row, name, value)
    return rows


# --- The service ------------------------------------------------------------------------------------


def standard_import(
    *, actor, content: bytes, fields: StandardFields, dry_run: bool, source: str, filename: str = ""
) -> StandardImportReport:
    """Check a file of clauses for the standard ``fields`` names and, unless ``dry_run``, write them in one
    transaction. ``actor=None`` is the trusted command-line channel; anyone else needs ``processes.add_standard``."""
    if actor is not None and not user_can_any_site(actor, IMPORT_PERMISSION):
        raise PermissionDenied("You may not import standards.")
    started = time.monotonic()
    report = StandardImportReport(
        source=source, dry_run=dry_run, sha256=hashlib.sha256(content).hexdigest(), size_bytes=len(content)
    )
    try:
        limit = max_bytes()
        if len(content) > limit:
            raise ImportFileError(f"The file is {len(content):,} bytes; the limit is {limit:,} bytes.")
        text = _decode(content)
        if _is_json(text, filename):
            report.file_format = "json"
            rows = _read_json(text, fields, report)
        else:
            report.file_format = "csv"
            rows = _read_csv(text, report)
        if not rows:
            raise ImportFileError("The file holds no clauses.", line=2 if report.file_format == "csv" else 1)
        if len(rows) > MAX_CLAUSES:
            raise ImportFileError(
                f"The file holds {len(rows):,} clauses; at most {MAX_CLAUSES:,} are imported at once."
            )
        if dry_run:
            _run(rows=rows, fields=fields, report=report, write=False)
        else:
            with transaction.atomic():
                _run(rows=rows, fields=fields, report=report, write=True)
    except ImportFileError as exc:
        report.file_error = True
        report.errors.insert(0, ImportIssue(exc.line, exc.column, exc.message))
    except IntegrityError:
        report.file_error = True
        report.applied = False
        report.changes = []
        report.errors.insert(
            0, ImportIssue(None, "", "The library changed while importing; nothing was written. Run the import again.")
        )
    report.duration_seconds = round(time.monotonic() - started, 3)
    logger.info(
        "standard import source=%s actor=%s sha256=%s standard=%s rows=%s invalid=%s dry_run=%s applied=%s",
        source,
        getattr(actor, "username", "command-line"),
        report.sha256,
        report.standard,
        report.rows,
        report.invalid_rows,
        dry_run,
        report.applied,
    )
    return report


def _text(value, limit: int) -> str:
    return value.strip() if isinstance(value, str) and len(value.strip()) <= limit else ""


def _check_standard(fields: StandardFields, report: StandardImportReport, write: bool) -> Standard | None:
    """The existing edition (locked when writing), or ``None`` for a new one; problems go to the report."""
    problems: list[tuple[str, str]] = []
    code, edition = _text(fields.code, 60), _text(fields.edition, 40)
    if not code:
        problems.append(("code", "Give the standard's code (at most 60 characters), e.g. CS-QA-01."))
    if not edition:
        problems.append(("edition", "Give the edition (at most 40 characters), e.g. 2026 or Rev. 3."))
    if fields.kind not in IMPORT_KINDS:
        labels = ", ".join(str(StandardKind(kind).label) for kind in IMPORT_KINDS)
        problems.append(("kind", f"Choose one of: {labels}. ISO standards come from the library's data files."))
    disciplines = fields.disciplines or []
    if not isinstance(disciplines, list) or any(d not in Discipline.values for d in disciplines):
        problems.append(("disciplines", f"Disciplines are some of: {', '.join(Discipline.values)}."))
    for column, value in (("code", code), ("edition", edition), ("title", fields.title)):
        if value and (problem := control_character_error(value)):
            problems.append((column, problem))
    existing = None
    if code and edition:
        queryset = Standard.objects.select_for_update() if write else Standard.objects.all()
        existing = queryset.filter(code__iexact=code, edition__iexact=edition).first()
    report.standard = str(existing) if existing else f"{code}:{edition}"
    if existing is not None:
        report.standard_id = existing.pk
        if existing.kind == StandardKind.ISO or existing.kind != fields.kind:
            problems.append(
                (
                    "kind",
                    f"{existing} exists as {existing.get_kind_display().lower()}; clauses can be added to it only as "
                    "that kind, and ISO standards only through the library's data files. "
                    "A new edition is a new standard: give another edition.",
                )
            )
        elif not existing.is_active:
            problems.append(("edition", f"{existing} is a retired edition; import the clauses into a current one."))
        else:
            report.notices.append(
                f"{existing} exists: the file's clauses are added to it; its title and kind stay as they are."
            )
    elif not _text(fields.title, 200):
        problems.append(("title", "Give the standard's title (at most 200 characters)."))
    for column, message in problems:
        report.errors.append(ImportIssue(None, column, message))
    return existing


def _run(*, rows: list[_Row], fields: StandardFields, report: StandardImportReport, write: bool) -> None:
    standard = _check_standard(fields, report, write)
    held: set[str] = set()
    if standard is not None:
        held = set(standard.clauses.values_list("number", flat=True))
    where = str(standard) if standard else f"{fields.code}:{fields.edition}"
    first_line: dict[str, int] = {}
    for row in rows:
        number = row.values.get("number", "")
        if number:
            first_line.setdefault(number, row.line)
    in_file: dict[str, int] = {}
    for row in rows:
        values = row.values
        for name in ("number", "title", "summary", "parent"):
            if len(values.get(name, "")) > LIMITS[name]:
                row.error(name, f"At most {LIMITS[name]} characters ({len(values[name])} given).")
        number, parent = values.get("number", ""), values.get("parent", "")
        if not number:
            row.error("number", "The clause number is missing.")
        elif number in in_file:
            row.error("number", f"Clause {number} is already on line {in_file[number]}: a number is used once.")
        elif number in held:
            row.error(
                "number",
                f"{where} already has a clause {number}. A new edition is a new standard: give another edition.",
            )
        if not values.get("title"):
            row.error("title", "The clause title is missing.")
        if parent:
            if parent == number:
                row.error("parent", "A clause cannot be its own parent.")
            elif parent not in in_file and parent not in held:
                later = first_line.get(parent)
                row.error(
                    "parent",
                    f"Parent {parent} comes later, on line {later}: list a clause after its parent."
                    if later and later > row.line
                    else f"Parent {parent} is neither a clause earlier in the file nor a clause of {where}.",
                )
        if number and number not in in_file:
            in_file[number] = row.line
    report.rows = len(rows)
    report.invalid_rows = sum(bool(row.errors) for row in rows)
    for row in rows:
        report.errors.extend(row.errors)
    if report.errors:
        return
    if standard is None:
        report.standard_created = True
        report.changes.append(
            ClauseChange(0, f"{fields.code}:{fields.edition}", "create standard", fields.title.strip())
        )
    for row in rows:
        parent = row.values.get("parent")
        detail = row.values["title"] + (f" (part of {parent})" if parent else "")
        report.changes.append(ClauseChange(row.line, row.values["number"], "add clause", detail))
    report.clauses_created = len(rows)
    if write:
        _apply(rows, fields, standard, report)


def _apply(rows: list[_Row], fields: StandardFields, standard: Standard | None, report: StandardImportReport) -> None:
    if standard is None:
        standard = Standard(
            code=fields.code.strip(),
            edition=fields.edition.strip(),
            title=fields.title.strip(),
            kind=fields.kind,
            disciplines=sorted(set(fields.disciplines or [])),
        )
        standard.full_clean(validate_constraints=False)
        standard.save()
    report.standard, report.standard_id = str(standard), standard.pk
    clauses = {clause.number: clause for clause in standard.clauses.all()}
    start = (standard.clauses.aggregate(last=Max("position"))["last"] or 0) + 1
    wanted = [
        {**row.values, "position": start + index} for index, row in enumerate(rows)
    ]  # the file's order, after the clauses the standard holds
    while wanted:  # parents before children: one insert per level of the clause tree
        level = [c for c in wanted if not c.get("parent") or c["parent"] in clauses]
        created = Clause.objects.bulk_create(
            [
                Clause(
                    standard=standard, number=c["number"], title=c["title"], summary=c.get("summary", ""),
                    parent=clauses.get(c.get("parent") or ""), position=c["position"],
                )
                for c in level
            ]
        )  # fmt: skip
        clauses.update({clause.number: clause for clause in created})
        wanted = [c for c in wanted if c["number"] not in clauses]
    report.applied = True


def template_csv() -> bytes:
    """The header and two example rows, UTF-8 with a BOM for spreadsheet programs."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(["1", "Scope", "Which sites and products the standard covers.", ""])
    writer.writerow(["1.1", "Exclusions", "What is excluded and why.", "1"])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
