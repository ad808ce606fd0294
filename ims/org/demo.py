"""The demo organisation: Helvetia Biologics, an invented biopharmaceutical company on four sites.

``demo_seed()`` (``manage.py seed_demo``, run by ``make run``) creates it through the services
and the org import, so permissions are synced exactly as in production; running it again
changes nothing. One login per role uses ``settings.IMS_DEMO_PASSWORD``; ``DEMO_LOGINS`` is
what ``make run`` prints.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from . import services
from .choices import RoleCode
from .importer import COLUMNS, ImportReport, org_import
from .models import Function, Person, Site

COMPANY = "Helvetia Biologics"
EMAIL_DOMAIN = "helvetia-bio.example"
MEMBERSHIPS_FROM = "2025-01-06"
ALL_SITES = "all sites"

SITES = (
    # code, name, country, time zone
    ("BSL", "Basel Biologics Plant", "CH", "Europe/Zurich"),
    ("CRK", "Cork Fill & Finish", "IE", "Europe/Dublin"),
    ("RDU", "Raleigh Development Laboratories", "US", "America/New_York"),
    ("SIN", "Singapore Packaging & Distribution", "SG", "Asia/Singapore"),
)

FUNCTIONS = (
    ("PROD", "Production", "Manufacturing of drug substance and drug product."),
    ("QA", "Quality Assurance", "Batch record review, deviations, CAPA, release support, QMS ownership."),
    ("QC", "Quality Control", "Analytical and microbiological testing, stability, environmental monitoring."),
    ("RA", "Regulatory Affairs", "Submissions, variations and health-authority correspondence."),
    ("EHS", "Environment, Health & Safety", "ISO 14001 and ISO 45001: permits, incidents, risk assessments."),
    ("ENG", "Engineering & Maintenance", "Equipment, utilities, calibration and qualification."),
    ("SCM", "Supply Chain", "Planning, warehousing, distribution and supplier logistics."),
    ("HR", "Human Resources", "People, onboarding and the training administration."),
)

QM, CO, PO, DH, IA, TR, EM, IN, GA = (
    RoleCode.QUALITY_MANAGER, RoleCode.COMPLIANCE_OFFICER, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD,
    RoleCode.INTERNAL_AUDITOR, RoleCode.TRAINER, RoleCode.EMPLOYEE, RoleCode.INSPECTOR, RoleCode.GLOBAL_ADMIN,
)  # fmt: skip


@dataclass(frozen=True)
class DemoPerson:
    employee_id: str
    first_name: str
    last_name: str
    job_title: str
    manager: str  # employee id, "" for none
    memberships: tuple[tuple[str, str, str], ...]  # (site, function, role)
    username: str = ""
    login: bool = False


def _p(eid, first, last, title, manager, *memberships, username="", login=False) -> DemoPerson:
    return DemoPerson(eid, first, last, title, manager, tuple(memberships), username, login)


PEOPLE: tuple[DemoPerson, ...] = (
    # --- Basel (site 1) -------------------------------------------------------------------------------------
    _p(
        "HB-1001",
        "Helena",
        "Brunner",
        "VP Global Quality & IMS",
        "",
        ("BSL", "QA", GA),
        username="admin.global",
        login=True,
    ),
    _p(
        "HB-1002",
        "Sabine",
        "Keller",
        "Head of Quality, Basel",
        "HB-1001",
        ("BSL", "QA", QM),
        username="qm.basel",
        login=True,
    ),
    _p(
        "HB-1003",
        "Matthias",
        "Zürcher",
        "Compliance Officer",
        "HB-1002",
        ("BSL", "QA", CO),
        username="compliance.basel",
        login=True,
    ),
    _p(
        "HB-1004",
        "Léa",
        "Fontaine",
        "Process Owner, Drug Substance",
        "HB-1005",
        ("BSL", "PROD", PO),
        username="owner.basel",
        login=True,
    ),
    _p(
        "HB-1005",
        "Reto",
        "Baumgartner",
        "Head of Production, Basel",
        "HB-1009",
        ("BSL", "PROD", DH),
        username="head.basel",
        login=True,
    ),
    _p(
        "HB-1006",
        "Chiara",
        "Rossi",
        "Lead Internal Auditor",
        "HB-1002",
        ("BSL", "QA", IA),
        ("CRK", "QA", IA),
        username="auditor.basel",
        login=True,
    ),
    _p(
        "HB-1007",
        "Jonas",
        "Weber",
        "GMP Training Coordinator",
        "HB-1017",
        ("BSL", "HR", TR),
        username="trainer.basel",
        login=True,
    ),
    _p(
        "HB-1008",
        "Ingrid",
        "Halvorsen",
        "GMP Inspector (health authority)",
        "",
        ("BSL", "QA", IN),
        username="inspector.basel",
        login=True,
    ),
    _p("HB-1009", "Daniel", "Schäfer", "Site Director, Basel", "HB-1001", ("BSL", "ENG", DH)),
    _p("HB-1010", "Anja", "Frei", "QC Analyst", "HB-1016", ("BSL", "QC", EM)),
    _p("HB-1011", "Thomas", "Gerber", "Maintenance Technician", "HB-1018", ("BSL", "ENG", EM)),
    _p("HB-1012", "Nadia", "Benali", "Regulatory Affairs Manager", "HB-1009", ("BSL", "RA", DH), ("RDU", "RA", EM)),
    _p("HB-1013", "Felix", "Huber", "Production Operator", "HB-1005", ("BSL", "PROD", EM)),
    _p("HB-1014", "Marie", "Dubois", "EHS Manager", "HB-1009", ("BSL", "EHS", DH)),
    _p("HB-1015", "Lukas", "Meier", "Supply Chain Planner", "HB-1020", ("BSL", "SCM", EM)),
    _p("HB-1016", "Elif", "Yılmaz", "Head of QC Microbiology", "HB-1002", ("BSL", "QC", DH)),
    _p("HB-1017", "Simone", "Brändli", "HR Business Partner", "HB-1009", ("BSL", "HR", DH)),
    _p("HB-1018", "Raphael", "Nussbaum", "Process Engineer", "HB-1009", ("BSL", "ENG", PO)),
    _p("HB-1019", "由紀", "田中", "Validation Specialist", "HB-1002", ("BSL", "QA", EM), username="yuki.tanaka"),
    _p("HB-1020", "Beat", "Schnyder", "Warehouse Lead", "HB-1009", ("BSL", "SCM", EM)),
    # --- Cork (site 2) --------------------------------------------------------------------------------------
    _p("HB-2001", "Ciarán", "Murphy", "Site Quality Manager, Cork", "HB-1001", ("CRK", "QA", QM)),
    _p(
        "HB-2002",
        "Siobhán",
        "O'Sullivan",
        "Production Operator, Aseptic Filling",
        "HB-2004",
        ("CRK", "PROD", EM),
        username="employee.cork",
        login=True,
    ),
    _p("HB-2003", "Aoife", "Byrne", "QC Analyst", "HB-2001", ("CRK", "QC", EM)),
    _p("HB-2004", "Declan", "Walsh", "Head of Production, Cork", "HB-2001", ("CRK", "PROD", DH)),
    _p("HB-2005", "Niamh", "Kelly", "Compliance Officer", "HB-2001", ("CRK", "QA", CO)),
    _p("HB-2006", "Pádraig", "Ó Ceallaigh", "Maintenance Engineer", "HB-2004", ("CRK", "ENG", EM)),
    _p("HB-2007", "Róisín", "Doyle", "EHS Coordinator", "HB-2004", ("CRK", "EHS", EM)),
    _p("HB-2008", "Conor", "Fitzgerald", "Supply Chain Manager", "HB-2004", ("CRK", "SCM", DH)),
    _p("HB-2009", "Magdalena", "Kowalska", "QA Specialist", "HB-2001", ("CRK", "QA", EM)),
    _p("HB-2010", "Eoin", "Brennan", "Production Operator", "HB-2004", ("CRK", "PROD", EM)),
    _p("HB-2011", "Orla", "McCarthy", "Training Specialist", "HB-2013", ("CRK", "HR", TR)),
    _p("HB-2012", "Tomasz", "Nowak", "Process Technician", "HB-2004", ("CRK", "PROD", PO)),
    _p("HB-2013", "Sinéad", "Ryan", "HR Generalist", "HB-2004", ("CRK", "HR", DH)),
    _p("HB-2014", "Fionnuala", "Quinn", "Internal Auditor", "HB-2001", ("CRK", "QA", IA)),
    # --- Raleigh (site 3) -----------------------------------------------------------------------------------
    _p("HB-3001", "Jennifer", "Collins", "Site Quality Manager, Raleigh", "HB-1001", ("RDU", "QA", QM)),
    _p("HB-3002", "Marcus", "Johnson", "Head of Quality Control", "HB-3001", ("RDU", "QC", DH)),
    _p("HB-3003", "Priya", "Raman", "Regulatory Affairs Specialist", "HB-1012", ("RDU", "RA", EM)),
    _p("HB-3004", "David", "Chen", "Process Owner, Analytical Development", "HB-3002", ("RDU", "QC", PO)),
    _p("HB-3005", "Ashley", "Rodríguez", "QC Analyst", "HB-3002", ("RDU", "QC", EM)),
    _p("HB-3006", "Brian", "O'Neal", "Maintenance Supervisor", "HB-3001", ("RDU", "ENG", DH)),
    _p("HB-3007", "Keisha", "Washington", "EHS Manager", "HB-3001", ("RDU", "EHS", DH)),
    _p("HB-3008", "Emily", "Nguyen", "Supply Chain Analyst", "HB-3006", ("RDU", "SCM", EM)),
    _p("HB-3009", "José", "Hernández", "Production Technician", "HB-3006", ("RDU", "PROD", EM)),
    _p("HB-3010", "Sarah", "Goldberg", "Internal Auditor", "HB-3001", ("RDU", "QA", IA), ("SIN", "QA", IA)),
    _p("HB-3011", "Kevin", "Patel", "Validation Engineer", "HB-3006", ("RDU", "ENG", EM), ("RDU", "QA", EM)),
    _p("HB-3012", "Laura", "Bennett", "HR Manager", "HB-3001", ("RDU", "HR", DH)),
    _p("HB-3013", "Tyler", "Brooks", "Production Operator", "HB-3006", ("RDU", "PROD", EM)),
    _p("HB-3014", "Hannah", "Müller", "Technical Trainer", "HB-3012", ("RDU", "HR", TR)),
    # --- Singapore (site 4) ---------------------------------------------------------------------------------
    _p(
        "HB-4001",
        "伟明",
        "陈",
        "Site Quality Manager, Singapore",
        "HB-1001",
        ("SIN", "QA", QM),
        username="weiming.chen",
    ),
    _p("HB-4002", "Siti Nurhaliza", "Ahmad", "QC Analyst", "HB-4001", ("SIN", "QC", EM)),
    _p("HB-4003", "Rajesh", "Kumar", "Head of Packaging Operations", "HB-4001", ("SIN", "PROD", DH)),
    _p("HB-4004", "Hui Min", "Lim", "Compliance Officer", "HB-4001", ("SIN", "QA", CO)),
    _p("HB-4005", "Muhammad", "Faizal", "Maintenance Technician", "HB-4003", ("SIN", "ENG", EM)),
    _p("HB-4006", "Pei Shan", "Ng", "EHS Officer", "HB-4003", ("SIN", "EHS", EM)),
    _p("HB-4007", "Arjun", "Menon", "Distribution Planner", "HB-4003", ("SIN", "SCM", EM)),
    _p("HB-4008", "Li Ting", "Chua", "QA Specialist", "HB-4001", ("SIN", "QA", EM)),
    _p("HB-4009", "Nurul", "Aisyah", "Packaging Operator", "HB-4003", ("SIN", "PROD", EM)),
    _p("HB-4010", "Jun Wei", "Goh", "Training Coordinator", "HB-4011", ("SIN", "HR", TR)),
    _p("HB-4011", "Kavitha", "Subramaniam", "HR Executive", "HB-4003", ("SIN", "HR", DH)),
    _p("HB-4012", "Daniel", "Koh", "Process Owner, Serialisation", "HB-4003", ("SIN", "PROD", PO)),
)


def _username(person: DemoPerson) -> str:
    if person.username:
        return person.username
    ascii_name = unicodedata.normalize("NFKD", f"{person.first_name}.{person.last_name}")
    ascii_name = ascii_name.encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in ascii_name.replace(" ", "") if ch.isalnum() or ch == ".")


def _role_label(code: str) -> str:
    return str(RoleCode(code).label)


DEMO_LOGINS: list[tuple[str, str, str]] = [
    (
        _username(person),
        _role_label(person.memberships[0][2]),
        ALL_SITES if person.memberships[0][2] == GA else person.memberships[0][0],
    )
    for person in PEOPLE
    if person.login
]


def demo_csv(*, skip: frozenset[str] = frozenset()) -> bytes:
    """The demo people in the org import format (less the employee ids in ``skip``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for person in PEOPLE:
        if person.employee_id in skip:
            continue
        username = _username(person)
        for site, function, role in person.memberships:
            writer.writerow([
                person.employee_id, username, person.first_name, person.last_name, f"{username}@{EMAIL_DOMAIN}",
                person.job_title, person.manager, site, function, role, MEMBERSHIPS_FROM, "",
            ])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


@transaction.atomic
def demo_seed() -> tuple[dict[str, int], ImportReport]:
    """Create the demo organisation (idempotent). Returns what was created and the import report."""
    created = {"sites": 0, "functions": 0, "passwords": 0}
    for code, name, country, tz in SITES:
        if not Site.objects.filter(code=code).exists():
            services.site_create(code=code, name=name, country=country, timezone=tz)
            created["sites"] += 1
    for code, name, description in FUNCTIONS:
        if not Function.objects.filter(code=code).exists():
            services.function_create(code=code, name=name, description=description)
            created["functions"] += 1
    # Only the people missing are imported: people using the demo may have edited the others (a job title,
    # a membership, their password), and a new run of the seed leaves that alone.
    existing = frozenset(
        Person.objects.filter(employee_id__in=[p.employee_id for p in PEOPLE]).values_list("employee_id", flat=True)
    )
    if existing == {p.employee_id for p in PEOPLE}:
        report = ImportReport(
            source="demo seed", dry_run=False, only_valid_rows=False, sha256="", size_bytes=0, applied=True
        )
        report.people_unchanged = len(PEOPLE)
    else:
        report = org_import(actor=None, content=demo_csv(skip=existing), dry_run=False, source="demo seed")
    if not report.applied:
        problems = "; ".join(f"line {e.line}: {e.message}" for e in report.errors[:10])
        raise RuntimeError(f"The demo organisation could not be imported: {problems}")
    password = settings.IMS_DEMO_PASSWORD
    for username, _role, _site in DEMO_LOGINS:
        person = Person.objects.get(username=username)
        if not person.has_usable_password():
            person.set_password(password)
            person.save(update_fields=["password"])
            created["passwords"] += 1
    return created, report
