"""Org import: one CSV of people and their memberships, used by the command, the upload page and the API.

``org_import()`` validates the whole file before writing anything (Annex 11 §5: bulk imports are
atomic and report errors per row). Rows are upserted by employee id, so running the same file
twice changes nothing. Writes use bulk operations and one permission sync, so 10,000 rows take
seconds. ``actor=None`` is the trusted command-line channel (all sites); pages and the API always
pass the signed-in user, whose per-site permissions are checked row by row.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import logging
import re
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from ims.access.permissions import has_global_permission, user_can_at_site
from ims.access.sync import person_permissions_sync
from ims.web.input import FORBIDDEN, control_character_error

from .models import Function, Membership, Person, Role, Site
from .signals import memberships_changed

logger = logging.getLogger("ims.org.import")

COLUMNS = (
    "employee_id",
    "username",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "manager_employee_id",
    "site_code",
    "function_code",
    "role",
    "valid_from",
    "valid_to",
)
REQUIRED_COLUMNS = ("employee_id", "first_name", "last_name", "site_code", "function_code", "role")
PERSON_COLUMNS = ("username", "first_name", "last_name", "email", "job_title")
ALIASES = {
    "employee": "employee_id",
    "employee_no": "employee_id",
    "employee_number": "employee_id",
    "emp_id": "employee_id",
    "personnel_number": "employee_id",
    "staff_id": "employee_id",
    "user_name": "username",
    "login": "username",
    "user": "username",
    "firstname": "first_name",
    "given_name": "first_name",
    "forename": "first_name",
    "lastname": "last_name",
    "surname": "last_name",
    "family_name": "last_name",
    "e_mail": "email",
    "mail": "email",
    "email_address": "email",
    "title": "job_title",
    "jobtitle": "job_title",
    "position": "job_title",
    "manager": "manager_employee_id",
    "manager_id": "manager_employee_id",
    "manager_employee": "manager_employee_id",
    "site": "site_code",
    "sitecode": "site_code",
    "function": "function_code",
    "department": "function_code",
    "functioncode": "function_code",
    "role_code": "role",
    "role_name": "role",
    "from": "valid_from",
    "start_date": "valid_from",
    "validfrom": "valid_from",
    "to": "valid_to",
    "end_date": "valid_to",
    "validto": "valid_to",
}
CHANGES_SHOWN = 500


class ImportFileError(Exception):
    """The file as a whole cannot be read (encoding, size, structure)."""

    def __init__(self, message: str, line: int | None = None, column: str = "") -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


@dataclass
class ImportIssue:
    line: int | None
    column: str
    message: str


@dataclass
class ImportChange:
    line: int
    employee_id: str
    action: str
    detail: str


@dataclass
class ImportReport:
    """What an import found and did; identical for the command, the page and the API."""

    source: str
    dry_run: bool
    only_valid_rows: bool
    sha256: str
    size_bytes: int
    delimiter: str = ""
    rows: int = 0
    valid_rows: int = 0
    invalid_rows: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    memberships_created: int = 0
    memberships_ended: int = 0
    memberships_unchanged: int = 0
    applied: bool = False
    file_error: bool = False
    duration_seconds: float = 0.0
    errors: list[ImportIssue] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    changes: list[ImportChange] = field(default_factory=list)
    changes_total: int = 0

    @property
    def accepted(self) -> bool:
        """True when the import is (or, for a dry run, would be) written: no errors, or only the valid rows."""
        if self.file_error:
            return False
        if not self.errors:
            return True
        return self.only_valid_rows and self.valid_rows > 0

    @property
    def rejected(self) -> bool:
        return not self.accepted

    def to_dict(self) -> dict:
        data = asdict(self)
        data["accepted"] = self.accepted
        return data

    def summary_lines(self) -> list[str]:
        mode = (
            "dry run (nothing written)"
            if self.dry_run
            else ("applied" if self.applied else "rejected (nothing written)")
        )
        return [
            f"Org import — {mode}",
            f"File: {self.size_bytes} bytes, SHA-256 {self.sha256}",
            f"Rows: {self.rows} ({self.valid_rows} valid, {self.invalid_rows} with errors)",
            f"People: {self.people_created} created, {self.people_updated} updated, {self.people_unchanged} unchanged",
            f"Memberships: {self.memberships_created} created, {self.memberships_ended} ended, "
            f"{self.memberships_unchanged} unchanged",
        ]


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    key: str = ""
    site: Site | None = None
    function: Function | None = None
    role: Role | None = None
    valid_from: datetime.date | None = None
    valid_to: datetime.date | None = None
    errors: list[ImportIssue] = field(default_factory=list)
    action: str = ""  # "create", "end", "unchanged" for the membership
    membership: Membership | None = None

    def error(self, column: str, message: str) -> None:
        self.errors.append(ImportIssue(self.line, column, message))

    @property
    def ok(self) -> bool:
        return not self.errors


# --- Reading the file ------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    if not content.strip():
        raise ImportFileError("The file is empty.")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("The file is UTF-16 encoded. Save it as “CSV UTF-8” and upload it again.")
    if b"\x00" in content:
        raise ImportFileError(
            "This is not a CSV text file (it contains binary data). Upload a CSV file saved as UTF-8."
        )
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"The file is not UTF-8 encoded (first unreadable byte on line {line}; perhaps Latin-1 or Windows-1252). "
            "Save it as “CSV UTF-8” and upload it again.",
            line=line,
        ) from None


def _normalise_header(name: str) -> str:
    key = re.sub(r"[\s\-.]+", "_", name.strip().strip("*").strip().lower()).strip("_")
    return key if key in COLUMNS else ALIASES.get(key, key)


def _read(text: str, report: ImportReport) -> tuple[list[_Row], dict[str, str]]:
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    report.delimiter = delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        columns = [_normalise_header(name) for name in header]
        labels: dict[str, str] = {}
        for index, (canonical, original) in enumerate(zip(columns, header, strict=True)):
            if canonical in labels:
                raise ImportFileError(f"Column “{original.strip()}” appears twice in the header.", line=1)
            if canonical not in COLUMNS:
                if original.strip():
                    report.notices.append(f"Column “{original.strip()}” is not part of the format and is ignored.")
                columns[index] = ""
                continue
            labels[canonical] = original.strip()
        missing = [name for name in REQUIRED_COLUMNS if name not in labels]
        if missing:
            raise ImportFileError(
                "Required column(s) missing: " + ", ".join(missing) + ". Download the template for the exact header.",
                line=1,
            )
        rows: list[_Row] = []
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
                    problem = control_character_error(cell)
                    if problem:
                        row.error(labels.get(name, name), problem)
                        cell = FORBIDDEN.sub("", cell)
                    row.values[name] = cell.strip()
            rows.append(row)
    except csv.Error as exc:
        raise ImportFileError(
            f"The CSV is malformed near line {reader.line_num}: {exc}.", line=reader.line_num
        ) from None
    except StopIteration:
        raise ImportFileError("The file has no header row.") from None
    for name in COLUMNS:
        labels.setdefault(name, name)
    return rows, labels


def _parse_date(row: _Row, column: str, label: str) -> datetime.date | None:
    raw = row.values.get(column, "")
    if not raw:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            raise ValueError
        return datetime.date.fromisoformat(raw)
    except ValueError:
        row.error(label, f"“{raw}” is not a date in the form YYYY-MM-DD (e.g. 2026-03-31).")
        return None


def _field_error(name: str, value: str) -> str | None:
    try:
        Person._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


# --- The service ------------------------------------------------------------------------------------


def org_import(
    *, actor: Person | None, content: bytes, dry_run: bool, only_valid_rows: bool = False, source: str
) -> ImportReport:
    """Validate a people/memberships CSV and, unless ``dry_run``, apply it in one transaction.

    Nothing is written when any row has an error, unless ``only_valid_rows`` (the user confirmed
    importing only the good rows). ``actor=None`` means the command line: every site is allowed.
    """
    started = time.monotonic()
    report = ImportReport(
        source=source,
        dry_run=dry_run,
        only_valid_rows=only_valid_rows,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )
    try:
        limit = settings.IMS_ORG_IMPORT_MAX_BYTES
        if len(content) > limit:
            raise ImportFileError(f"The file is {len(content):,} bytes; the limit is {limit:,} bytes.")
        rows, labels = _read(_decode(content), report)
        if not rows:
            raise ImportFileError("The file has a header but no data rows.", line=2)
        if dry_run:
            _run(actor=actor, rows=rows, labels=labels, report=report, write=False)
        else:
            with transaction.atomic():
                _run(actor=actor, rows=rows, labels=labels, report=report, write=True)
    except ImportFileError as exc:
        report.file_error = True
        report.errors.insert(0, ImportIssue(exc.line, exc.column, exc.message))
    except IntegrityError:
        report.file_error = True
        report.applied = False
        report.errors.insert(
            0,
            ImportIssue(
                None, "", "The organisation changed while importing; nothing was written. Run the import again."
            ),
        )
    report.duration_seconds = round(time.monotonic() - started, 3)
    logger.info(
        "org import source=%s actor=%s sha256=%s rows=%s valid=%s invalid=%s dry_run=%s applied=%s",
        source,
        getattr(actor, "username", "command-line"),
        report.sha256,
        report.rows,
        report.valid_rows,
        report.invalid_rows,
        dry_run,
        report.applied,
    )
    return report


class _Plan:
    """Reference data and the state of the people named in the file, loaded with a handful of queries."""

    def __init__(self, actor: Person | None, rows: list[_Row]) -> None:
        self.actor = actor
        self.sites = {s.code.upper(): s for s in Site.objects.all()}
        self.functions = {f.code.upper(): f for f in Function.objects.all()}
        self.functions_by_name = {f.name.lower(): f for f in self.functions.values()}
        self.roles = {r.code.lower(): r for r in Role.objects.all()}
        self.roles.update({r.name.lower(): r for r in self.roles.copy().values()})
        keys = {row.values.get("employee_id", "").lower() for row in rows} - {""}
        managers = {row.values.get("manager_employee_id", "").lower() for row in rows} - {""}
        self.people = {
            p.eid: p for p in Person.objects.annotate(eid=Lower("employee_id")).filter(eid__in=keys | managers)
        }
        self.site_rights: dict[tuple[int, str], bool] = {}
        self.changeable: set[int] | None = None
        self.global_actor = actor is None or has_global_permission(actor, "org.change_person")
        if not self.global_actor:
            pks = [p.pk for key, p in self.people.items() if key in keys]
            self.changeable = set(
                Person.objects.restrict(actor, "change").filter(pk__in=pks).values_list("pk", flat=True)
            )

    def may(self, permission: str, site: Site) -> bool:
        if self.actor is None:
            return True
        cache_key = (site.pk, permission)
        if cache_key not in self.site_rights:
            self.site_rights[cache_key] = user_can_at_site(self.actor, permission, site)
        return self.site_rights[cache_key]


def _run(*, actor, rows: list[_Row], labels: dict[str, str], report: ImportReport, write: bool) -> None:
    plan = _Plan(actor, rows)
    by_key: dict[str, list[_Row]] = defaultdict(list)
    for row in rows:
        _check_row(row, plan, labels)
        if row.key:
            by_key[row.key].append(row)
    _check_people(by_key, plan, labels)
    _plan_memberships(by_key, plan, labels)
    person_data = _resolve_managers(by_key, plan, labels)
    report.rows = len(rows)
    report.valid_rows = sum(row.ok for row in rows)
    report.invalid_rows = report.rows - report.valid_rows
    for row in rows:
        report.errors.extend(row.errors)
    report.errors.sort(key=lambda issue: issue.line or 0)
    changes = _count(by_key, plan, person_data, report)
    report.changes_total = len(changes)
    report.changes = changes[:CHANGES_SHOWN]
    if write and report.accepted:
        touched = _apply(by_key, plan, person_data)
        report.applied = True
        if follow_up_in_background(touched):
            report.notices.append(
                f"What follows the new roles of {len(touched):,} people (training assignments, acknowledgement "
                "tasks) is brought up to date in the background, usually within a minute."
            )


def _check_row(row: _Row, plan: _Plan, labels: dict[str, str]) -> None:
    values = row.values
    employee_id = values.get("employee_id", "")
    if not employee_id:
        row.error(labels["employee_id"], "The employee id is missing.")
    elif message := _field_error("employee_id", employee_id):
        row.error(labels["employee_id"], message)
    else:
        row.key = employee_id.lower()
    for name in ("first_name", "last_name"):
        if not values.get(name):
            row.error(labels[name], f"The {name.replace('_', ' ')} is missing.")
    for name in PERSON_COLUMNS:
        if name in values and values[name] and (message := _field_error(name, values[name])):
            row.error(labels[name], f"“{values[name]}”: {message}" if name == "email" else message)
    code = values.get("site_code", "")
    row.site = plan.sites.get(code.upper())
    if not code:
        row.error(labels["site_code"], "The site code is missing.")
    elif row.site is None:
        row.error(labels["site_code"], f"Unknown site code “{code}” (the import does not create sites).")
    code = values.get("function_code", "")
    row.function = plan.functions.get(code.upper()) or plan.functions_by_name.get(code.lower())
    if not code:
        row.error(labels["function_code"], "The function is missing.")
    elif row.function is None:
        row.error(labels["function_code"], f"Unknown function “{code}” (the import does not create functions).")
    role = values.get("role", "")
    row.role = plan.roles.get(role.lower().replace(" ", "_")) or plan.roles.get(role.lower())
    if not role:
        row.error(labels["role"], "The role is missing.")
    elif row.role is None:
        row.error(labels["role"], f"Unknown role “{role}”. Use a role code such as quality_manager or its name.")
    row.valid_from = _parse_date(row, "valid_from", labels["valid_from"])
    row.valid_to = _parse_date(row, "valid_to", labels["valid_to"])
    if row.valid_from and row.valid_to and row.valid_to < row.valid_from:
        row.error(labels["valid_to"], "The end date is before the start date.")
    if row.site is not None:
        existing = plan.people.get(row.key)
        permission = "org.change_person" if existing else "org.add_person"
        if not plan.may(permission, row.site):
            verb = "change" if existing else "add"
            row.error(labels["site_code"], f"You may not {verb} people at site {row.site.code}.")
        elif row.role is not None and row.role.is_global and not plan.global_actor:
            row.error(labels["role"], f"Only a global administrator may grant the global role “{row.role.name}”.")
        if row.valid_to is None and not row.site.is_active:
            row.error(labels["site_code"], f"Site {row.site.code} is deactivated.")
    if row.function is not None and row.valid_to is None and not row.function.is_active:
        row.error(labels["function_code"], f"Function {row.function.name} is deactivated.")


def _person_values(row: _Row) -> dict[str, str]:
    """The person's fields as the file gives them; a blank username keeps (or, for a new person, derives) one."""
    values = {name: row.values[name] for name in PERSON_COLUMNS if name in row.values}
    if not values.get("username"):
        values.pop("username", None)
    if "email" in values:
        values["email"] = values["email"].lower()
    if "manager_employee_id" in row.values:
        values["manager_employee_id"] = row.values["manager_employee_id"].lower()
    return values


def _username(key: str, data: dict, plan: _Plan) -> str:
    if data.get("username"):
        return data["username"]
    existing = plan.people.get(key)
    return existing.username if existing else re.sub(r"[^\w.@+-]", "-", key)


def _person_error(person_rows: list[_Row], column: str, message: str) -> None:
    for row in person_rows:
        row.error(column, message)


def _check_people(by_key: dict[str, list[_Row]], plan: _Plan, labels: dict[str, str]) -> None:
    """Rows of one person agree; usernames and e-mails are not taken by someone else (file or database)."""
    usernames: dict[str, tuple[str, int]] = {}
    emails: dict[str, tuple[str, int]] = {}
    for key, person_rows in by_key.items():
        first = person_rows[0]
        reference = _person_values(first)
        existing = plan.people.get(key)
        for row in person_rows[1:]:
            values = _person_values(row)
            for name in set(values) | set(reference):
                if name != "username" or (values.get(name) and reference.get(name)):
                    if values.get(name, "") != reference.get(name, ""):
                        row.error(
                            labels[name],
                            f"Employee id {row.values['employee_id']} appears on line {first.line} "
                            f"with a different {labels[name]} (“{first.values.get(name, '')}”).",
                        )
        username = _username(key, reference, plan)
        for index, value, column in (
            (usernames, username.lower(), "username"),
            (emails, reference.get("email", ""), "email"),
        ):
            if not value:
                continue
            if value in index and index[value][0] != key:
                _person_error(
                    person_rows, labels[column], f"“{value}” is also used by another person on line {index[value][1]}."
                )
            index.setdefault(value, (key, first.line))
        if existing is not None and not existing.is_active and any(row.valid_to is None for row in person_rows):
            _person_error(
                person_rows,
                labels["employee_id"],
                f"{existing} is deactivated; reactivate them before adding memberships.",
            )
    taken_usernames = dict(
        Person.objects.annotate(u=Lower("username"), eid=Lower("employee_id"))
        .filter(u__in=list(usernames))
        .values_list("u", "eid")
    )
    taken_emails = dict(
        Person.objects.annotate(e=Lower("email"), eid=Lower("employee_id"))
        .filter(e__in=list(emails))
        .values_list("e", "eid")
    )
    for taken, index, column in ((taken_usernames, usernames, "username"), (taken_emails, emails, "email")):
        for value, owner in taken.items():
            key, _line = index[value]
            if owner != key:
                _person_error(
                    by_key[key], labels[column], f"“{value}” already belongs to another person (employee id {owner})."
                )


def _plan_memberships(by_key: dict[str, list[_Row]], plan: _Plan, labels: dict[str, str]) -> None:
    """Decide per row: create the membership, end it, or leave it as it is."""
    today = timezone.localdate()
    existing_pks = {plan.people[key].pk for key in by_key if key in plan.people}
    held: dict[tuple, list[Membership]] = defaultdict(list)
    for membership in Membership.objects.filter(person_id__in=existing_pks).order_by("valid_from"):
        held[(membership.person_id, membership.site_id, membership.function_id, membership.role_id)].append(membership)
    for key, person_rows in by_key.items():
        person = plan.people.get(key)
        seen: dict[tuple, _Row] = {}
        for row in person_rows:
            if row.site is None or row.function is None or row.role is None:
                continue
            tuple_key = (row.site.pk, row.function.pk, row.role.pk)
            if tuple_key in seen:
                other = seen[tuple_key]
                if (other.valid_from, other.valid_to) != (row.valid_from, row.valid_to):
                    row.error(labels["valid_from"], f"Line {other.line} gives the same membership with other dates.")
                else:
                    row.action = "duplicate"
                continue
            seen[tuple_key] = row
            memberships = held.get((person.pk, *tuple_key), []) if person else []
            open_one = next((m for m in memberships if m.valid_to is None), None)
            if row.valid_to is None:
                if open_one or any(m.valid_to >= today for m in memberships if m.valid_to):
                    row.action = "unchanged"
                    continue
            else:
                if any(m.valid_to == row.valid_to for m in memberships):
                    row.action = "unchanged"
                    continue
                if open_one is not None:
                    if row.valid_to < open_one.valid_from:
                        row.error(
                            labels["valid_to"],
                            f"The membership started on {open_one.valid_from}; it cannot end before that.",
                        )
                    else:
                        row.action, row.membership = "end", open_one
                    continue
            start = row.valid_from or today
            if row.valid_to and row.valid_to < start:
                row.error(
                    labels["valid_to"],
                    f"The end date {row.valid_to} is in the past: give {labels['valid_from']} "
                    "to record a membership that has already ended.",
                )
                continue
            clash = next((m for m in memberships if m.valid_to and m.valid_to >= start), None)
            if clash is not None:
                row.error(labels["valid_from"], f"Overlaps the membership from {clash.valid_from} to {clash.valid_to}.")
                continue
            row.action = "create"


def _resolve_managers(by_key: dict[str, list[_Row]], plan: _Plan, labels: dict[str, str]) -> dict[str, dict]:
    """Managers may appear later in the file; a manager whose rows all fail makes the reporting rows fail too."""
    column = labels["manager_employee_id"]
    while True:
        valid = {key for key, person_rows in by_key.items() if any(row.ok for row in person_rows)}
        person_data: dict[str, dict] = {}
        new_errors = False
        for key in valid:
            person_rows = by_key[key]
            first_ok = next(row for row in person_rows if row.ok)
            data = _person_values(first_ok)
            data["username"] = _username(key, data, plan)
            manager = data.pop("manager_employee_id", None)
            if manager is not None:
                data["manager"] = manager or None
                if manager == key:
                    message = "A person cannot be their own manager."
                elif manager and manager not in valid and manager not in plan.people:
                    message = (
                        f"Manager {first_ok.values['manager_employee_id']} is in the file but their rows have errors."
                        if manager in by_key
                        else f"Manager {first_ok.values['manager_employee_id']} is not a known employee id."
                    )
                else:
                    message = ""
                if message:
                    for row in person_rows:
                        if row.ok:
                            row.error(column, message)
                    new_errors = True
                    continue
            person_data[key] = data
        if not new_errors:
            new_errors = _check_cycles(by_key, plan, person_data, column)
        if not new_errors:
            new_errors = _check_change_rights(by_key, plan, person_data, labels)
        if not new_errors:
            return person_data


def _check_cycles(by_key, plan: _Plan, person_data: dict[str, dict], column: str) -> bool:
    final = {key: data["manager"] for key, data in person_data.items() if "manager" in data}
    if not final:
        return False
    by_pk = {p.pk: key for key, p in plan.people.items()}
    db_manager: dict[str, str | None] = {}
    if any(m and m not in person_data for m in final.values()):
        db_manager = dict(
            Person.objects.annotate(eid=Lower("employee_id"), mid=Lower("manager__employee_id")).values_list(
                "eid", "mid"
            )
        )

    def manager_of(key: str) -> str | None:
        if key in final:
            return final[key]
        if key in db_manager:
            return db_manager[key]
        person = plan.people.get(key)
        return by_pk.get(person.manager_id) if person and person.manager_id else None

    safe: set[str] = set()
    found = False
    for start in final:
        path: list[str] = []
        node: str | None = start
        while node is not None and node not in safe and node not in path:
            path.append(node)
            node = manager_of(node)
        if node is not None and node in path:
            loop = path[path.index(node) :]
            if start in loop:
                for row in by_key[start]:
                    if row.ok:
                        row.error(column, "This manager would create a management cycle: " + " → ".join(loop + [node]))
                found = True
            continue
        safe.update(path)
    return found


def _check_change_rights(by_key, plan: _Plan, person_data: dict[str, dict], labels) -> bool:
    if plan.changeable is None:
        return False
    found = False
    for key, data in person_data.items():
        person = plan.people.get(key)
        if person is not None and person.pk not in plan.changeable and _diff(person, data, plan):
            for row in by_key[key]:
                if row.ok:
                    row.error(
                        labels["employee_id"],
                        f"You may not change the details of {person}: "
                        "they are managed at a site where you may not change people.",
                    )
            found = True
    return found


def _diff(person: Person, data: dict, plan: _Plan) -> dict:
    changed = {}
    for name in PERSON_COLUMNS:
        if name in data and getattr(person, name) != data[name]:
            changed[name] = data[name]
    if "manager" in data:
        manager = data["manager"]
        current = person.manager_id
        target = plan.people[manager].pk if manager and manager in plan.people else (None if not manager else -1)
        if current != target:
            changed["manager"] = manager
    return changed


def _count(by_key, plan: _Plan, person_data: dict[str, dict], report: ImportReport) -> list[ImportChange]:
    changes: list[ImportChange] = []
    for key, data in person_data.items():
        person_rows = [row for row in by_key[key] if row.ok]
        line, shown_id = person_rows[0].line, person_rows[0].values["employee_id"]
        person = plan.people.get(key)
        if person is None:
            report.people_created += 1
            changes.append(ImportChange(line, shown_id, "create person", f"{data['first_name']} {data['last_name']}"))
        elif diff := _diff(person, data, plan):
            report.people_updated += 1
            detail = ", ".join(
                f"{name}: “{getattr(person, name, '')}” → “{value or ''}”" for name, value in diff.items()
            )
            changes.append(ImportChange(line, shown_id, "update person", detail))
        else:
            report.people_unchanged += 1
        for row in person_rows:
            what = f"{row.role.name} · {row.function.name} @ {row.site.code}"
            if row.action == "create":
                report.memberships_created += 1
                period = f" from {row.valid_from}" if row.valid_from else ""
                period += f" to {row.valid_to}" if row.valid_to else ""
                changes.append(ImportChange(row.line, shown_id, "add membership", what + period))
            elif row.action == "end":
                report.memberships_ended += 1
                changes.append(ImportChange(row.line, shown_id, "end membership", f"{what} on {row.valid_to}"))
            else:
                report.memberships_unchanged += 1
    changes.sort(key=lambda change: change.line)
    return changes


def _create_managers_first(created: dict[str, Person], person_data: dict[str, dict]) -> None:
    """Insert new people in layers, managers before their reports, so no second UPDATE pass is needed.

    The manager graph was checked for cycles, so every pass places at least one person.
    """
    waiting = dict(created)
    while waiting:
        layer = []
        for key, person in waiting.items():
            manager = person_data[key].get("manager")
            if manager and manager in created:
                if manager in waiting:
                    continue
                person.manager = created[manager]
            layer.append(key)
        if not layer:
            raise RuntimeError("Management cycle among new people: validation should have rejected it.")
        Person.objects.bulk_create([waiting.pop(key) for key in layer], batch_size=2000)


def _apply(by_key, plan: _Plan, person_data: dict[str, dict]) -> set[int]:
    """Write the plan; returns the people whose memberships changed."""
    now = timezone.now()
    today = timezone.localdate()
    unusable = make_password(None)
    created: dict[str, Person] = {}
    for key, data in person_data.items():
        if key in plan.people:
            continue
        first = next(row for row in by_key[key] if row.ok)
        manager = data.get("manager")
        created[key] = Person(
            employee_id=first.values["employee_id"],
            username=data["username"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data.get("email", ""),
            job_title=data.get("job_title", ""),
            manager=plan.people.get(manager) if manager else None,
            password=unusable,
            updated_at=now,
        )
    _create_managers_first(created, person_data)
    everyone = {**plan.people, **created}
    to_update: list[Person] = []
    fields: set[str] = set()
    for key, data in person_data.items():
        if key in created:
            continue
        person = plan.people[key]
        diff = _diff(person, data, plan)
        if not diff:
            continue
        for name, value in diff.items():
            if name == "manager":
                person.manager = everyone[value] if value else None
            else:
                setattr(person, name, value)
            fields.add(name)
        person.updated_at = now
        to_update.append(person)
    if to_update:
        Person.objects.bulk_update(to_update, sorted(fields | {"updated_at"}), batch_size=1000)
    new_memberships: list[Membership] = []
    ended: list[Membership] = []
    for key in person_data:
        person = everyone[key]
        for row in by_key[key]:
            if not row.ok:
                continue
            if row.action == "create":
                new_memberships.append(
                    Membership(
                        person=person,
                        site=row.site,
                        function=row.function,
                        role=row.role,
                        valid_from=row.valid_from or today,
                        valid_to=row.valid_to,
                    )
                )
            elif row.action == "end":
                row.membership.valid_to = row.valid_to
                row.membership.updated_at = now
                ended.append(row.membership)
    Membership.objects.bulk_create(new_memberships, batch_size=2000)
    if ended:
        Membership.objects.bulk_update(ended, ["valid_to", "updated_at"], batch_size=1000)
    touched = {m.person_id for m in new_memberships} | {m.person_id for m in ended}
    if touched:
        person_permissions_sync(person_ids=sorted(touched))
        memberships_changed.send(sender=Membership, person_ids=touched, background=follow_up_in_background(touched))
    return touched


def follow_up_in_background(person_ids) -> bool:
    """An import changing the roles of more than ``IMS_IMPORT_INLINE_PEOPLE`` people lets the apps follow up after
    commit in a background task (the import itself stays quick); fewer are followed up in its transaction."""
    return len(person_ids) > settings.IMS_IMPORT_INLINE_PEOPLE


def template_csv() -> bytes:
    """An empty file with the header and one example row, UTF-8 with a BOM for spreadsheet programs."""
    example = [
        "E-1001",
        "jane.doe",
        "Jane",
        "Doe",
        "jane.doe@example.com",
        "QA Specialist",
        "",
        "BSL",
        "QA",
        "employee",
        timezone.localdate().isoformat(),
        "",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(example)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
