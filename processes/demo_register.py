"""Demo records of step 2, register part (called by ``processes.demo``): the demo company's ten processes.

Helvetia Biologics (``ims.org.demo``) makes biologics in Basel and fills and finishes them in Cork. Each
process has its SIPOC, owner, sites, functions (the lanes of its BPMN map: ``DEMO_PROCESS_CODES`` gives the
maps part the same lanes), the demo documents and objectives that exist, the clauses of ISO 9001, 14001,
45001 and 13485 it addresses, and the interactions of the landscape. Idempotent: a process is looked up
by its code and left as it is; an interaction is recorded once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from ims.documents.models import ControlledDocument
from ims.org.demo import FUNCTIONS
from ims.org.models import Function, Person, Site

from . import register
from .models import Clause, Process, ProcessInteraction, ProcessType

FUNCTION_NAMES = {code: name for code, name, _description in FUNCTIONS}
ALL = ("BSL", "CRK", "RDU", "SIN")
M, C, S = ProcessType.MANAGEMENT, ProcessType.CORE, ProcessType.SUPPORT
Q9, E14, H45, M13 = "ISO 9001", "ISO 14001", "ISO 45001", "ISO 13485"


@dataclass(frozen=True)
class DemoProcess:
    code: str
    name: str
    process_type: str
    owner: str  # employee id
    sites: tuple[str, ...]
    functions: tuple[str, ...]  # function codes, in lane order
    purpose: str
    suppliers: tuple[str, ...]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    customers: tuple[str, ...]
    clauses: tuple[tuple[str, str], ...]
    documents: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()  # objective titles


PROCESSES: tuple[DemoProcess, ...] = (
    DemoProcess(
        "MGT-REVIEW", "Management review", M, "HB-1001", ALL, ("QA", "EHS", "PROD"),
        "Top management reviews the integrated management system at planned intervals and decides on improvement.",
        ("Process owners", "Internal audit", "EHS"),
        ("KPI results", "Audit results", "CAPA status", "Customer feedback", "Environmental and safety performance"),
        ("Decisions and actions", "Resource needs", "Updated objectives"),
        ("Site leadership", "Process owners", "Regulators (on inspection)"),
        ((Q9, "9.3"), (E14, "9.3"), (H45, "9.3"), (M13, "5.6"), (Q9, "5.1")),
        documents=("POL-IMS-001",),
        objectives=("Lost-time injury rate ≤ 0.5", "Scope 1+2 CO2e −10 % vs 2025"),
    ),
    DemoProcess(
        "QA-CAPA", "Corrective and preventive action (CAPA)", M, "HB-1002", ALL, ("QA", "PROD", "QC"),
        "Finds the root cause of nonconformities, deviations and complaints and removes it for good.",
        ("Production", "QC", "Complaint handling", "EHS incident management", "Internal audit"),
        ("Deviations", "Out-of-specification results", "Complaints", "Audit findings", "Incident investigations"),
        ("Root-cause analyses", "Corrective actions", "Effectiveness checks"),
        ("Process owners", "Management review"),
        ((Q9, "10.2"), (E14, "10.2"), (H45, "10.2"), (M13, "8.5.2"), (Q9, "8.7"), (M13, "8.3")),
        documents=("SOP-QA-001", "FRM-QA-014"),
        objectives=("Raleigh: deviations closed within 30 days ≥ 90 %",),
    ),
    DemoProcess(
        "QA-DOC", "Document and change control", S, "HB-1003", ALL, ("QA", "ENG"),
        "Keeps procedures, records and changes under control: drafted, reviewed, approved, effective, retired.",
        ("Process owners", "Engineering", "Regulatory affairs"),
        ("Draft documents", "Change requests"),
        ("Effective procedures", "Approved changes", "Retired versions kept"),
        ("Every function", "Training"),
        ((Q9, "7.5"), (Q9, "7.5.3"), (M13, "4.2.4")),
        documents=("SOP-QA-002",),
    ),
    DemoProcess(
        "HR-TRAIN", "Training and competence", S, "HB-1017", ALL, ("HR", "QA", "PROD"),
        "Makes sure everyone is trained on the effective procedures of their role before doing the work.",
        ("Document control", "HR", "External trainers"),
        ("New and revised procedures", "Role requirements", "New starters"),
        ("Qualified people", "Training records"),
        ("Production", "QC", "Auditors and inspectors"),
        ((Q9, "7.2"), (E14, "7.2"), (H45, "7.2"), (M13, "6.2")),
        documents=("SOP-PRD-004",),
    ),
    DemoProcess(
        "SCM-PURCH", "Purchasing and supplier control", S, "HB-2008", ("BSL", "CRK"), ("SCM", "QA"),
        "Buys materials and services only from approved suppliers and keeps their performance under review.",
        ("Suppliers", "Contract manufacturers"),
        ("Material requirements", "Supplier qualification data"),
        ("Purchase orders", "Approved supplier list", "Released materials"),
        ("Production", "QC"),
        ((Q9, "8.4"), (M13, "7.4")),
    ),
    DemoProcess(
        "PRD-MFG", "Production", C, "HB-1005", ("BSL", "CRK"), ("PROD", "QA", "ENG"),
        "Manufactures drug substance and drug product to the approved batch record.",
        ("Purchasing", "Engineering", "Training"),
        ("Released materials", "Qualified equipment", "Effective batch records", "Qualified operators"),
        ("Batches", "Executed batch records", "Samples", "Waste"),
        ("QC testing and batch release", "Environmental management"),
        ((Q9, "8.5.1"), (M13, "7.5.1"), (M13, "7.5.9"), (E14, "8.1"), (H45, "8.1.1")),
        documents=("SOP-PRD-004",),
        objectives=("Basel Production: batch record errors ≤ 2 per month",),
    ),
    DemoProcess(
        "QC-REL", "QC testing and batch release", C, "HB-1016", ("BSL", "CRK"), ("QC", "QA"),
        "Tests every batch against its specification; the qualified person releases it.",
        ("Production", "Contract laboratories"),
        ("Samples", "Executed batch records", "Specifications"),
        ("Certificates of analysis", "Released batches", "Out-of-specification results"),
        ("Distribution", "CAPA", "Management review"),
        ((Q9, "8.6"), (M13, "8.2.6"), (Q9, "7.1.5")),
        documents=("WI-QC-010",),
        objectives=("Basel: right-first-time batch release ≥ 98 %", "Cork: right-first-time batch release ≥ 98 %"),
    ),
    DemoProcess(
        "QA-COMPL", "Complaint handling", C, "HB-2001", ("BSL", "CRK"), ("QA", "RA"),
        "Records, investigates and answers every complaint, and reports to authorities where required.",
        ("Customers", "Distributors", "Patients and healthcare professionals"),
        ("Complaints", "Returned product"),
        ("Investigation reports", "Answers to customers", "Vigilance reports"),
        ("Customers", "CAPA", "Regulatory authorities"),
        ((Q9, "8.2.1"), (Q9, "9.1.2"), (M13, "8.2.2")),
    ),
    DemoProcess(
        "EHS-ENV", "Environmental management (waste and emissions)", S, "HB-1014", ("BSL", "CRK"), ("EHS", "ENG"),
        "Controls the sites' environmental aspects: waste segregation and disposal, emissions, energy.",
        ("Production", "Engineering", "Licensed waste contractors"),
        ("Waste streams", "Energy and emission data", "Permit conditions"),
        ("Disposed waste with consignment notes", "Emission reports", "Environmental KPIs"),
        ("Authorities", "Management review"),
        ((E14, "6.1.2"), (E14, "8.1"), (E14, "9.1.1"), (E14, "8.2")),
        documents=("SOP-EHS-003",),
        objectives=("Basel: steam and electricity CO2e −12 % vs 2025",),
    ),
    DemoProcess(
        "EHS-INC", "EHS incident management", S, "HB-2007", ("BSL", "CRK"), ("EHS", "PROD"),
        "Reports, investigates and learns from injuries, near misses and environmental incidents.",
        ("Every employee", "Contractors"),
        ("Incident and near-miss reports", "Risk assessments"),
        ("Investigations", "Actions", "Incident statistics"),
        ("CAPA", "Management review", "Authorities"),
        ((H45, "10.2"), (H45, "6.1.2"), (H45, "5.4"), (H45, "8.2")),
        objectives=("Cork: lost-time injury rate ≤ 0.4", "Cork EHS: safety walk-throughs completed ≥ 95 %"),
    ),
)  # fmt: skip

INTERACTIONS: tuple[tuple[str, str, str], ...] = (
    ("MGT-REVIEW", "QA-CAPA", "Improvement actions decided"),
    ("QA-CAPA", "MGT-REVIEW", "CAPA status and effectiveness"),
    ("SCM-PURCH", "PRD-MFG", "Released materials from approved suppliers"),
    ("PRD-MFG", "QC-REL", "Batches, samples and executed batch records"),
    ("QC-REL", "QA-CAPA", "Out-of-specification results"),
    ("QC-REL", "MGT-REVIEW", "Right-first-time release results"),
    ("QA-COMPL", "QA-CAPA", "Complaints needing corrective action"),
    ("QA-DOC", "PRD-MFG", "Effective procedures and batch records"),
    ("QA-DOC", "HR-TRAIN", "New and revised documents to train on"),
    ("HR-TRAIN", "PRD-MFG", "Qualified operators"),
    ("EHS-INC", "QA-CAPA", "Incident investigations and actions"),
    ("EHS-INC", "MGT-REVIEW", "Incident statistics"),
    ("EHS-ENV", "MGT-REVIEW", "Environmental performance"),
    ("PRD-MFG", "EHS-ENV", "Waste and emissions to manage"),
)

#: code → (name, lanes): the function names the maps part draws as the lanes of each process's BPMN map.
DEMO_PROCESS_CODES: dict[str, tuple[str, list[str]]] = {
    spec.code: (spec.name, [FUNCTION_NAMES[code] for code in spec.functions]) for spec in PROCESSES
}


def _clauses(spec: DemoProcess) -> list[Clause]:
    found = []
    for standard, number in spec.clauses:
        clause = (
            Clause.objects.filter(standard__code=standard, standard__is_active=True, number=number)
            .order_by("-standard__edition")
            .first()
        )
        if clause is not None:
            found.append(clause)
    return found


def _objectives(titles: tuple[str, ...]) -> list:
    from policies.models import Objective

    return [o for title in titles if (o := Objective._base_manager.filter(title=title).order_by("pk").first())]


@transaction.atomic
def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    if not Clause.objects.exists():
        from .library import standards_load

        standards_load()
    sites = {site.code: site for site in Site.objects.filter(code__in=ALL)}
    if not sites:
        return ""
    functions = {f.code: f for f in Function.objects.filter(code__in=FUNCTION_NAMES)}
    created = 0
    by_code = {p.code: p for p in Process._base_manager.filter(code__in=[s.code for s in PROCESSES])}
    for spec in PROCESSES:
        if spec.code in by_code:
            continue
        owner = Person.objects.filter(employee_id=spec.owner).first()
        process_sites = [sites[code] for code in spec.sites if code in sites]
        if owner is None or not process_sites:
            continue
        by_code[spec.code] = register.process_create(
            actor=None,
            code=spec.code,
            name=spec.name,
            process_type=spec.process_type,
            owner=owner,
            sites=process_sites,
            purpose=spec.purpose,
            suppliers="\n".join(spec.suppliers),
            inputs="\n".join(spec.inputs),
            outputs="\n".join(spec.outputs),
            customers="\n".join(spec.customers),
            functions=[functions[code] for code in spec.functions if code in functions],
            objectives=_objectives(spec.objectives),
            documents=list(ControlledDocument._base_manager.filter(number__in=spec.documents)),
            clauses=_clauses(spec),
        )
        created += 1
    links = 0
    existing = set(ProcessInteraction._base_manager.values_list("source__code", "target__code"))
    for source, target, description in INTERACTIONS:
        if (source, target) in existing or source not in by_code or target not in by_code:
            continue
        register.interaction_create(actor=None, source=by_code[source], target=by_code[target], description=description)
        links += 1
    if not created and not links:
        return ""
    return f"{created} processes, {links} process interactions"
