"""Demo records of step 3 (``manage.py seed_demo``): two integrated procedures and the monitoring plan.

Helvetia Biologics runs one non-conformance procedure for quality, environment and safety (ISO 9001, 14001 and
45001 clause 10.2, plus the FDA QMSR, which takes CAPA from ISO 13485 8.5.2 by reference) and one risk procedure
(clause 6.1 of the three standards and ICH Q9), instead of one procedure per standard. Both are made effective
through document control (reviewed and approved with e-signatures), carry their RACI, their clause links and the
records they produce. Each demo process gets its monitoring plan from the objectives that measure it.
Idempotent: what exists is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ims.documents import services as document_services
from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.esign import services as esign_services
from ims.org.choices import RoleCode
from ims.org.models import Person, Role, Site
from policies.services import CellChange, responsibilities_save
from processes import library
from processes.models import Clause, Process

from . import services
from .choices import Frequency, ReportedTo
from .models import MonitoringPlanItem, ProcedureRecord

AUTHOR, REVIEWER, APPROVER = "admin.global", "qm.basel", "compliance.basel"
ISO9001, ISO14001, ISO45001 = ("ISO 9001", "2015"), ("ISO 14001", "2015"), ("ISO 45001", "2018")
ISO13485, QMSR, ICHQ9 = ("ISO 13485", "2016"), ("21 CFR Part 820", "2024 QMSR"), ("ICH Q9", "R1 2023")
ALL_DISCIPLINES = (Discipline.QUALITY, Discipline.ENVIRONMENT, Discipline.OHS)


@dataclass(frozen=True)
class DemoProcedure:
    number: str
    title: str
    body: str
    clauses: tuple[tuple[tuple[str, str], str, str], ...]
    raci: tuple[tuple[str, str], ...]  # (role code, R/A/C/I)
    records: tuple[tuple[str, str, str, str], ...]  # (name, form number or "", retention, kept in)


def _body(title: str, purpose: str, impacts: tuple[str, str, str], steps: tuple[str, ...]) -> str:
    quality, environment, safety = impacts
    lines = [f"# {title}", "", "## 1. Purpose", "", purpose, "", "## 2. Scope", "",
             "Every site, function and activity of Helvetia Biologics, contractors on site included.", "",
             "## 3. Procedure", ""]  # fmt: skip
    lines += [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    lines += ["", "## 4. Quality impact", "", quality, "", "## 5. Environmental impact", "", environment, "",
              "## 6. OH&S impact", "", safety, ""]  # fmt: skip
    return "\n".join(lines)


NC_TITLE = "Nonconformity, incident and corrective action (integrated)"
RISK_TITLE = "Risks and opportunities, environmental aspects and OH&S hazards (integrated)"
PROCEDURES: tuple[DemoProcedure, ...] = (
    DemoProcedure(
        "SOP-IMS-010",
        NC_TITLE,
        _body(
            NC_TITLE,
            "One way to react to any nonconformity — a product deviation, a complaint, an environmental incident, "
            "an injury or near miss — find its root cause and correct it for good.",
            (
                "Product impact and batch disposition are assessed before release (GMP, ISO 13485 8.5.2).",
                "Spills, emissions and permit exceedances are contained and reported to the authority where required.",
                "Injuries and near misses are investigated with the workers involved; hazards are removed first.",
            ),
            (
                "Whoever finds the nonconformity secures the situation and records it in the portal the same shift.",
                "The process owner classifies it (quality, environment, safety; minor, major, critical).",
                "Major and critical events are investigated to their root cause (5 whys, fishbone).",
                "A CAPA with owners and due dates is opened where the cause can recur.",
                "Effectiveness is checked against the KPI of the process before the CAPA is closed.",
            ),
        ),
        clauses=(
            (ISO9001, "10.2", "Nonconformity and corrective action"),
            (ISO14001, "10.2", "Environmental nonconformity and corrective action"),
            (ISO45001, "10.2", "Incidents, nonconformities and corrective action"),
            (ISO13485, "8.5.2", "Corrective action"),
            (QMSR, "820.10(a)", "QMSR: CAPA per ISO 13485 8.5.2 incorporated by reference"),
        ),
        raci=(
            (RoleCode.QUALITY_MANAGER, "A"),
            (RoleCode.PROCESS_OWNER, "R"),
            (RoleCode.COMPLIANCE_OFFICER, "C"),
            (RoleCode.EMPLOYEE, "I"),
        ),
        records=(
            ("Nonconformity or incident report", "FRM-QA-014", "10 years after closure", "IMS portal (CAPA)"),
            ("Root-cause investigation", "", "10 years after closure", "IMS portal (CAPA)"),
            ("Effectiveness check", "", "10 years after closure", "IMS portal (CAPA)"),
        ),
    ),
    DemoProcedure(
        "SOP-IMS-020",
        RISK_TITLE,
        _body(
            RISK_TITLE,
            "One risk process for quality risks (ICH Q9), environmental aspects and impacts and OH&S hazards: "
            "identified, scored with the method of each discipline, controlled and reviewed in one register.",
            (
                "Quality risks are scored on severity, probability and detectability (ICH Q9).",
                "Aspects are assessed in normal, abnormal and emergency conditions; significant ones are controlled.",
                "Hazards are identified per activity with the people exposed and the existing controls.",
            ),
            (
                "Each process owner reviews the risks, aspects and hazards of the process at least once a year.",
                "New or changed activities are assessed before they start (change control).",
                "Controls are linked to procedures, training or CAPAs; residual risk is scored after control.",
                "The risk register is reviewed at the management review.",
            ),
        ),
        clauses=(
            (ISO9001, "6.1", "Actions to address risks and opportunities"),
            (ISO14001, "6.1", "Risks, opportunities and environmental aspects"),
            (ISO45001, "6.1", "Risks, opportunities and OH&S hazards"),
            (ICHQ9, "4", "The quality risk management process"),
        ),
        raci=(
            (RoleCode.QUALITY_MANAGER, "A"),
            (RoleCode.PROCESS_OWNER, "R"),
            (RoleCode.DEPARTMENT_HEAD, "C"),
            (RoleCode.EMPLOYEE, "I"),
        ),
        records=(
            ("Risk register entry", "", "Life of the process + 5 years", "IMS portal (risk register)"),
            ("Aspects and impacts evaluation", "", "Life of the site permit + 5 years", "IMS portal (risk register)"),
            ("Hazard identification and risk assessment", "", "40 years (exposure records)", "IMS portal"),
        ),
    ),
)

#: Measurements without an objective, per process code: (measure, method, frequency, role, reported to).
EXTRA_MEASURES: dict[str, tuple[tuple[str, str, str, str, str], ...]] = {
    "QA-CAPA": (
        ("CAPAs overdue, number", "Open CAPAs past their due date, from the CAPA register.", Frequency.MONTHLY,
         RoleCode.QUALITY_MANAGER, ReportedTo.SITE_QM_MEETING),
    ),
    "QA-DOC": (
        ("Procedures past periodic review, %", "Documents whose review date has passed / all effective documents.",
         Frequency.QUARTERLY, RoleCode.QUALITY_MANAGER, ReportedTo.MANAGEMENT_REVIEW),
    ),
    "HR-TRAIN": (
        ("Training compliance, %", "Completed assignments on time / assignments due, from the training matrix.",
         Frequency.MONTHLY, RoleCode.TRAINER, ReportedTo.SITE_QM_MEETING),
    ),
}  # fmt: skip


def _person(username: str) -> Person:
    return Person.objects.get(username=username)


def _effective(document: ControlledDocument) -> None:
    """Take the first version through review and approval (e-signed) to effective, as people do."""
    author, reviewer, approver = _person(AUTHOR), _person(REVIEWER), _person(APPROVER)
    version = DocumentVersion._base_manager.filter(document=document).order_by("number").first()
    if version.status == VersionStatus.DRAFT:
        version = document_services.version_submit(actor=author, version=version)
    if version.status != VersionStatus.IN_REVIEW:
        return
    for signer in (reviewer, approver):
        if esign_services.certification_current(signer) is None:
            esign_services.certification_create(
                person=signer, password=settings.IMS_DEMO_PASSWORD, username=signer.username, session=None
            )
    for service, signer, reason in (
        (document_services.version_review, reviewer, "Reviewed for the integrated management system"),
        (document_services.version_approve, approver, "Approved for release"),
    ):
        service(actor=signer, version=version, password=settings.IMS_DEMO_PASSWORD, username=signer.username,
                reason=reason, session=None)  # fmt: skip
        version = DocumentVersion._base_manager.get(pk=version.pk)
    if version.status == VersionStatus.APPROVED:
        document_services.version_make_effective(version=version)


def _procedure(spec: DemoProcedure) -> tuple[ControlledDocument, bool]:
    document = ControlledDocument._base_manager.filter(number=spec.number).first()
    if document is not None:
        return document, False
    author = _person(AUTHOR)
    document = document_services.document_create(
        actor=author,
        number=spec.number,
        title=spec.title,
        doc_type=DocumentType.PROCEDURE,
        disciplines=list(ALL_DISCIPLINES),
        owner=author,
        sites=Site.objects.filter(is_active=True).order_by("code"),
        body=spec.body,
        effective_date=timezone.localdate(),
    )
    _effective(document)
    return document, True


def _declarations(document: ControlledDocument, spec: DemoProcedure) -> None:
    for (code, edition), number, note in spec.clauses:
        clause = Clause.objects.filter(standard__code=code, standard__edition=edition, number=number).first()
        if clause is not None and not document.clause_links.filter(clause=clause).exists():
            library.document_clause_add(actor=None, document=document, clause=clause, note=note)
    roles = {role.code: role for role in Role.objects.all()}
    changes = [CellChange(document.pk, roles[code].pk, value) for code, value in spec.raci if code in roles]
    if changes and not document.responsibilities.exclude(assignment="").exists():
        responsibilities_save(actor=None, changes=changes, reason="Roles of the integrated procedure (demo)")
    forms = {d.number: d for d in ControlledDocument._base_manager.filter(doc_type=DocumentType.FORM)}
    for name, form, retention, location in spec.records:
        if not ProcedureRecord._base_manager.filter(document=document, name=name).exists():
            services.procedure_record_create(actor=None, document=document, name=name, retention=retention,
                                             location=location, form_document=forms.get(form))  # fmt: skip


def _monitoring_plan() -> int:
    roles = {role.code: role for role in Role.objects.all()}
    planned = set(MonitoringPlanItem._base_manager.values_list("process_id", "measure"))
    created = 0
    for process in Process.objects.filter(is_active=True).prefetch_related("objectives__site", "sites"):
        site_ids = {site.pk for site in process.sites.all()}
        for objective in process.objectives.all():
            if (process.pk, objective.kpi) in planned or (objective.site_id and objective.site_id not in site_ids):
                continue
            services.monitoring_item_create(
                actor=None,
                process=process,
                objective=objective,
                measure=objective.kpi,
                method=f"{objective.kpi} from the process records, against the target of “{objective.title}”.",
                frequency=Frequency.MONTHLY,
                responsible_role=roles[RoleCode.PROCESS_OWNER],
                responsible_person=process.owner,
                reported_to=ReportedTo.MANAGEMENT_REVIEW if objective.site_id is None else ReportedTo.SITE_QM_MEETING,
            )
            planned.add((process.pk, objective.kpi))
            created += 1
        for measure, method, frequency, role, reported_to in EXTRA_MEASURES.get(process.code, ()):
            if (process.pk, measure) in planned:
                continue
            services.monitoring_item_create(actor=None, process=process, measure=measure, method=method,
                                            frequency=frequency, responsible_role=roles[role],
                                            reported_to=reported_to)  # fmt: skip
            planned.add((process.pk, measure))
            created += 1
    return created


@transaction.atomic
def framework_demo_seed() -> str:
    """Idempotent; returns a short summary."""
    if not Person.objects.filter(username=AUTHOR).exists():
        return "framework: no demo organisation"
    made = []
    for spec in PROCEDURES:
        document, created = _procedure(spec)
        _declarations(document, spec)
        if created:
            made.append(spec.number)
    items = _monitoring_plan()
    parts = [f"integrated procedures {', '.join(made)} created" if made else "integrated procedures present"]
    parts.append(f"{items} monitoring-plan items" if items else "monitoring plan present")
    return "Framework: " + "; ".join(parts)
