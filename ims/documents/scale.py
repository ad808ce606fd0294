"""Scale data of document control (``manage.py seed_scale``, through ``DocumentsConfig.scale_seed``).

About 1,500 controlled documents at the large size (60 at the small one) over the scale sites: most belong to
one site, some to several, a few policies and the IMS manual to the whole company. Each has one to three
versions: the older ones superseded, the latest effective, some with a draft or a version in review on top.
Every locked version carries its "reviewed" and "approved" e-signatures, and every signer holds the
e-signature certification (with its own signature), so ``verify_integrity`` accepts the data.

Built with bulk inserts. The lifecycle trigger (``ims.documents.database``) guards ``UPDATE``: a version's
history is written once, in its final state, and never updated, so the guard stays as it is.

Idempotent: the scale documents are recognised by their numbers (``SC…``); when present nothing changes.
The signature helpers here are shared with the policies app's scale data (the kernel imports no app).
"""

from __future__ import annotations

import datetime
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable

from dateutil.relativedelta import relativedelta
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from ims.audit.context import audit_context
from ims.audit.database import tables_analyze
from ims.esign.canonical import record_hash
from ims.esign.choices import SignatureChannel, SignatureMeaning
from ims.esign.constants import CURRENT_STATEMENT_VERSION, statement_sha256
from ims.esign.models import Signature, SignatureCertification
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Person, Site

from .choices import Discipline, DocumentType, VersionStatus
from .models import ControlledDocument, DocumentVersion

NUMBER_PREFIX = "SC"  # every scale document number starts with it (site SC01-…, multi-site SCM-…, group SCG-…)
SITE_PREFIX = "SC"
DOCUMENTS = {"small": 60, "large": 1500}
BATCH = 5000

Q, E, H = Discipline.QUALITY.value, Discipline.ENVIRONMENT.value, Discipline.OHS.value

# Company-wide documents (read and acknowledged by everybody): number, type, title, disciplines.
GROUP_DOCUMENTS = (
    ("SCG-POL-IMS-001", DocumentType.POLICY, "Integrated Management System Policy", (Q, E, H)),
    ("SCG-MAN-IMS-001", DocumentType.MANUAL, "Integrated Management System Manual", (Q, E, H)),
    ("SCG-POL-QA-002", DocumentType.POLICY, "Data Integrity Policy", (Q,)),
    ("SCG-POL-EHS-003", DocumentType.POLICY, "Environment, Health and Safety Policy", (E, H)),
    ("SCG-POL-QA-004", DocumentType.POLICY, "Quality Culture and Speak-Up Policy", (Q,)),
)
# Subjects of site documents: area code, function name it concerns, disciplines, subject.
SUBJECTS = (
    ("QA", "Quality Assurance", (Q,), "Deviation management"),
    ("QA", "Quality Assurance", (Q,), "Change control"),
    ("QA", "Quality Assurance", (Q,), "Batch record review and release"),
    ("QA", "Quality Assurance", (Q,), "Corrective and preventive actions"),
    ("QA", "Quality Assurance", (Q,), "Complaint handling"),
    ("QA", "Quality Assurance", (Q,), "Supplier qualification"),
    ("QA", "Quality Assurance", (Q,), "Self-inspection programme"),
    ("QA", "Quality Assurance", (Q,), "Data integrity review of GMP records"),
    ("QC", "Quality Control", (Q,), "Out-of-specification investigations"),
    ("QC", "Quality Control", (Q,), "Sampling of raw materials"),
    ("QC", "Quality Control", (Q,), "Calibration of laboratory balances"),
    ("QC", "Quality Control", (Q,), "Stability testing programme"),
    ("QC", "Quality Control", (Q,), "HPLC system suitability"),
    ("QC", "Quality Control", (Q, H), "Handling of laboratory chemicals"),
    ("MIC", "Microbiology", (Q,), "Environmental monitoring of cleanrooms"),
    ("MIC", "Microbiology", (Q,), "Endotoxin testing"),
    ("MIC", "Microbiology", (Q, H), "Handling of biological agents"),
    ("PRD", "Production", (Q,), "Line clearance"),
    ("PRD", "Production", (Q,), "Gowning for grade B areas"),
    ("PRD", "Production", (Q,), "Aseptic filling"),
    ("PRD", "Production", (Q,), "Bioreactor inoculation"),
    ("PRD", "Production", (Q, E), "Cleaning in place of process vessels"),
    ("PKG", "Packaging", (Q,), "Label reconciliation"),
    ("PKG", "Packaging", (Q,), "Serialisation and aggregation"),
    ("VAL", "Validation", (Q,), "Equipment qualification"),
    ("VAL", "Validation", (Q,), "Cleaning validation"),
    ("VAL", "Validation", (Q,), "Computerised system validation"),
    ("ENG", "Engineering & Maintenance", (Q,), "Preventive maintenance"),
    ("ENG", "Engineering & Maintenance", (H,), "Lockout/tagout of machinery"),
    ("ENG", "Engineering & Maintenance", (H,), "Inspection of pressure systems"),
    ("ENG", "Engineering & Maintenance", (E,), "Energy metering and reporting"),
    ("EHS", "Environment, Health & Safety", (H,), "Permit to work"),
    ("EHS", "Environment, Health & Safety", (H,), "Confined space entry"),
    ("EHS", "Environment, Health & Safety", (H,), "Working at height"),
    ("EHS", "Environment, Health & Safety", (H,), "Accident and near-miss reporting"),
    ("EHS", "Environment, Health & Safety", (H,), "Chemical risk assessment"),
    ("EHS", "Environment, Health & Safety", (E,), "Solvent waste segregation"),
    ("EHS", "Environment, Health & Safety", (E,), "Wastewater discharge monitoring"),
    ("EHS", "Environment, Health & Safety", (E, H), "Spill response"),
    ("EHS", "Environment, Health & Safety", (E,), "Air emissions monitoring"),
    ("WH", "Warehouse", (Q,), "Goods receipt and quarantine"),
    ("WH", "Warehouse", (Q,), "Cold chain shipping"),
    ("WH", "Warehouse", (H,), "Forklift operation"),
    ("SCM", "Supply Chain", (Q,), "Distribution and transport qualification"),
    ("REG", "Regulatory Affairs", (Q,), "Variations to marketing authorisations"),
    ("IT", "IT", (Q,), "User access management of GMP systems"),
    ("IT", "IT", (Q,), "Backup and restore of GMP data"),
    ("HR", "Human Resources", (Q, H), "Induction of new employees"),
    ("HR", "Human Resources", (Q,), "GMP training and qualification"),
)
SITE_POLICIES = (
    ("QA", (Q,), "Site Quality Policy"),
    ("EHS", (E, H), "Site Environment, Health and Safety Policy"),
    ("QA", (Q, E, H), "Site Integrated Management System Manual"),
    ("EHS", (H,), "Site Alcohol and Drug Policy"),
    ("QA", (Q,), "Site Good Documentation Practice Policy"),
)
TYPE_SHARES = (  # site documents: type, share, number code, title pattern
    (DocumentType.PROCEDURE, 0.47, "SOP", "{s}"),
    (DocumentType.WORK_INSTRUCTION, 0.30, "WI", "{s}: step-by-step instruction"),
    (DocumentType.FORM, 0.15, "FRM", "{s} record form"),
    (DocumentType.PROCESS_MAP, 0.05, "PMAP", "{s} process map"),
)
AREAS_WORDS = ("Building 1", "Building 2", "Building 3", "Filling Line 1", "Filling Line 2", "QC Laboratory")

VERSION_CHANGES = (
    "Periodic review: references and responsibilities updated.",
    "Aligned with the revised group procedure.",
    "Corrective action from the last internal audit: checks clarified.",
    "New equipment added to the scope.",
    "Regulatory update (EU GMP Annex 1) reflected.",
    "Wording clarified after operator feedback; no change of practice.",
    "Forms and records section restructured.",
)


def scale_documents_present() -> int:
    return ControlledDocument._base_manager.filter(number__startswith=NUMBER_PREFIX).count()


# --- Bulk signature helpers (also used by ``policies.scale``) -------------------------------------------------


def next_ids(model, count: int) -> list[int]:
    """Reserve ``count`` primary keys of ``model`` from its sequence (to bind signatures before inserting)."""
    if count <= 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


class Signers:
    """Names of the people who sign (loaded once): the printed name and user ID go into each signature."""

    def __init__(self) -> None:
        self._people: dict[int, tuple[str, str]] = {}

    def load(self, person_ids: Iterable[int]) -> None:
        missing = sorted(set(person_ids) - set(self._people))
        for start in range(0, len(missing), 20000):
            for person in Person._base_manager.filter(pk__in=missing[start : start + 20000]).only(
                "pk", "first_name", "last_name", "username"
            ):
                self._people[person.pk] = (person.display_name, person.username)

    def signature(
        self, *, content_type, object_pk, record_digest: str, meaning: str, signer_id: int, signed_at, reason=""
    ) -> Signature:
        name, username = self._people[signer_id]
        signature = Signature(
            content_type=content_type,
            object_pk=str(object_pk),
            record_hash=record_digest,
            meaning=meaning,
            reason=reason,
            signer_id=signer_id,
            signer_name=name,
            signer_username=username,
            signed_at=signed_at,
            channel=SignatureChannel.WEB,
        )
        signature.signature_hash = signature.compute_hash()
        return signature


def certifications_ensure(signers: Signers, first_signed: dict[int, datetime.datetime]) -> int:
    """Every signer holds the current e-signature certification, signed before their first signature."""
    have = set(
        SignatureCertification.objects.filter(
            person_id__in=list(first_signed), statement_version=CURRENT_STATEMENT_VERSION
        ).values_list("person_id", flat=True)
    )
    people = sorted(set(first_signed) - have)
    if not people:
        return 0
    signers.load(people)
    digest = statement_sha256()
    content_type = ContentType.objects.get_for_model(SignatureCertification, for_concrete_model=False)
    created = 0
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        ids = next_ids(SignatureCertification, len(chunk))
        certifications = [
            SignatureCertification(
                pk=pk,
                person_id=person_id,
                statement_version=CURRENT_STATEMENT_VERSION,
                statement_sha256=digest,
                certified_at=first_signed[person_id] - datetime.timedelta(days=1),
            )
            for pk, person_id in zip(ids, chunk, strict=True)
        ]
        signatures = [
            signers.signature(
                content_type=content_type,
                object_pk=c.pk,
                record_digest=record_hash(c),
                meaning=SignatureMeaning.ACKNOWLEDGED,
                signer_id=c.person_id,
                signed_at=c.certified_at,
            )
            for c in certifications
        ]
        SignatureCertification.objects.bulk_create(certifications, batch_size=BATCH)
        Signature.objects.bulk_create(signatures, batch_size=BATCH)
        created += len(certifications)
    return created


# --- The documents ------------------------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int = 7) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=datetime.UTC)


def _body(title: str, number: str, version: int) -> str:
    return (
        f"# {title}\n\n## 1. Purpose\n\nThis document ({number}, version {version}) describes {title.lower()}.\n\n"
        "## 2. Scope\n\nThe sites, functions and roles named in the register entry.\n\n"
        "## 3. Responsibilities\n\nThe owner keeps it current; managers make sure their teams follow it.\n\n"
        "## 4. Procedure\n\n1. Prepare.\n2. Perform and record.\n3. Verify and sign.\n"
    )


def _people_by_site(site_ids: list[int]) -> tuple[dict, int]:
    """Holders of the roles that own, write, review and approve documents at each scale site."""
    wanted = (
        RoleCode.QUALITY_MANAGER,
        RoleCode.COMPLIANCE_OFFICER,
        RoleCode.PROCESS_OWNER,
        RoleCode.DEPARTMENT_HEAD,
        RoleCode.GLOBAL_ADMIN,
    )
    by_site: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    admin = None
    for person_id, site_id, role in (
        Membership.objects.filter(role__code__in=wanted, person__employee_id__startswith="SC-", person__is_active=True)
        .order_by("person_id")
        .values_list("person_id", "site_id", "role__code")
    ):
        if role == RoleCode.GLOBAL_ADMIN:
            admin = admin or person_id
        elif site_id in site_ids:
            by_site[site_id][role].append(person_id)
    return by_site, admin


def scale_documents_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    present = scale_documents_present()
    if present:
        return f"{present:,} scale documents already present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    if not sites:
        return "no scale sites; nothing to do"
    started = time.monotonic()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        counts = _seed(size_name, sites, random.Random(seed * 7 + 1))
    tables_analyze("documents_controlleddocument", "documents_documentversion")  # fresh planner statistics
    return (
        f"{counts['documents']:,} documents ({counts['acknowledge']:,} to read and acknowledge), "
        f"{counts['versions']:,} versions ({counts['effective']:,} effective, {counts['open']:,} open), "
        f"{counts['signatures']:,} signatures in {time.monotonic() - started:.1f} s"
    )


def _seed(size_name: str, sites: list[Site], rng: random.Random) -> dict[str, int]:
    today = timezone.localdate()
    total = DOCUMENTS.get(size_name) or max(20, round(1500 * len(sites) / 40))
    site_ids = [s.pk for s in sites]
    people, admin = _people_by_site(site_ids)
    functions_by_name: dict[str, list[int]] = defaultdict(list)
    for pk, name in Function.objects.filter(code__startswith="SF").order_by("code").values_list("pk", "name"):
        base = name.removesuffix(" (scale)").rstrip("0123456789 ")
        functions_by_name[base].append(pk)

    def pick(site_id: int, *roles: str) -> int:
        for role in roles:
            holders = people[site_id].get(role)
            if holders:
                return rng.choice(holders)
        return admin

    # (number, type, title, disciplines, sites, functions, owner site)
    plans: list[tuple[str, str, str, tuple[str, ...], list[int], list[int], int]] = []
    group_count = 5 if total >= 1000 else 2
    for number, doc_type, title, disciplines in GROUP_DOCUMENTS[:group_count]:
        plans.append((number, doc_type, title, disciplines, list(site_ids), [], site_ids[0]))
    weights = [1.0 / (i + 1) ** 0.4 for i in range(len(sites))]
    # One site policy or manual in about every 25 documents (the first ones at the biggest sites).
    site_policies = max(len(sites), (total - len(plans)) // 25)
    counters: dict[str, int] = defaultdict(int)

    def number_for(prefix: str, code: str, area: str) -> str:
        key = f"{prefix}-{code}-{area}"
        counters[key] += 1
        return f"{key}-{counters[key]:04d}"

    for index in range(site_policies):
        site_index = index if index < len(sites) else rng.choices(range(len(sites)), weights)[0]
        area, disciplines, title = SITE_POLICIES[(index // len(sites)) % len(SITE_POLICIES)]
        doc_type = DocumentType.MANUAL if "Manual" in title else DocumentType.POLICY
        code = "MAN" if doc_type == DocumentType.MANUAL else "POL"
        site = sites[site_index]
        plans.append(
            (number_for(site.code, code, area), doc_type, f"{title} — {site.name}", disciplines, [site.pk], [], site.pk)
        )
    while len(plans) < total:
        area, function_name, disciplines, subject = rng.choice(SUBJECTS)
        doc_type, _share, code, pattern = rng.choices(TYPE_SHARES, [t[1] for t in TYPE_SHARES])[0]
        if rng.random() < 0.15:  # an integrated document serves a second management system
            disciplines = tuple(sorted({*disciplines, rng.choice((Q, E, H))}))
        title = pattern.format(s=subject)
        if doc_type in (DocumentType.WORK_INSTRUCTION, DocumentType.FORM) and rng.random() < 0.4:
            title = f"{title} — {rng.choice(AREAS_WORDS)}"
        candidates = functions_by_name.get(function_name, [])
        functions = rng.sample(candidates, k=min(len(candidates), rng.randint(1, 2))) if rng.random() < 0.5 else []
        if rng.random() < 0.1 and len(sites) > 1:  # shared by a few sites
            chosen = rng.sample(range(len(sites)), k=min(len(sites), rng.randint(2, 4)))
            scope = [sites[i].pk for i in sorted(chosen)]
            plans.append((number_for("SCM", code, area), doc_type, title, disciplines, scope, functions, scope[0]))
        else:
            site = sites[rng.choices(range(len(sites)), weights)[0]]
            plans.append(
                (number_for(site.code, code, area), doc_type, title, disciplines, [site.pk], functions, site.pk)
            )

    documents = []
    for number, doc_type, title, disciplines, _scope, _functions, owner_site in plans:
        acknowledge = doc_type in (DocumentType.POLICY, DocumentType.MANUAL)
        documents.append(
            ControlledDocument(
                number=number,
                title=title[:200],
                doc_type=doc_type,
                disciplines=sorted(set(disciplines)),
                owner_id=admin
                if number.startswith("SCG-")
                else pick(owner_site, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD),
                requires_acknowledgement=acknowledge,
                acknowledgement_days=rng.choice((14, 14, 21, 30)) if acknowledge else 14,
                review_interval_months=rng.choice((24, 24, 36)) if acknowledge else rng.choice((24, 36, 36, 60)),
            )
        )
    ControlledDocument._base_manager.bulk_create(documents, batch_size=BATCH)
    Sites = ControlledDocument.sites.through
    Functions = ControlledDocument.functions.through
    Sites.objects.bulk_create(
        [
            Sites(controlleddocument_id=d.pk, site_id=s)
            for d, plan in zip(documents, plans, strict=True)
            for s in plan[4]
        ],
        batch_size=BATCH,
    )
    Functions.objects.bulk_create(
        [
            Functions(controlleddocument_id=d.pk, function_id=f)
            for d, plan in zip(documents, plans, strict=True)
            for f in plan[5]
        ],
        batch_size=BATCH,
    )

    versions: list[DocumentVersion] = []
    reviewers: list[int | None] = []  # who signed each version "reviewed" (None: not signed yet)
    review_due: dict[int, datetime.date] = {}
    for document, plan in zip(documents, plans, strict=True):
        owner_site = plan[6]
        group = document.number.startswith("SCG-")
        count = rng.choices((1, 2, 3), (0.45, 0.35, 0.20))[0]
        # The latest version became effective within the last ~2 years; documents to acknowledge are more
        # often recent (a share of their tasks are then still open without being overdue).
        if document.requires_acknowledgement and rng.random() < 0.3:
            latest = today - datetime.timedelta(days=rng.randint(0, 12))
        else:
            latest = today - datetime.timedelta(days=rng.randint(20, 700))
        dates = [latest]
        for _ in range(count - 1):
            dates.insert(0, dates[0] - datetime.timedelta(days=rng.randint(180, 720)))
        for index, effective in enumerate(dates):
            number = index + 1
            is_latest = index == count - 1
            author = admin if group else pick(owner_site, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD)
            approver = pick(owner_site if not group else plan[4][0], RoleCode.QUALITY_MANAGER)
            if approver == author:
                approver = pick(owner_site, RoleCode.COMPLIANCE_OFFICER)
            reviewer = pick(owner_site if not group else plan[4][0], RoleCode.DEPARTMENT_HEAD)
            if reviewer in (author, approver):
                reviewer = pick(owner_site, RoleCode.COMPLIANCE_OFFICER, RoleCode.QUALITY_MANAGER)
            versions.append(
                DocumentVersion(
                    document_id=document.pk,
                    number=number,
                    status=VersionStatus.EFFECTIVE if is_latest else VersionStatus.SUPERSEDED,
                    body=_body(document.title, document.number, number),
                    change_summary="" if number == 1 else rng.choice(VERSION_CHANGES),
                    effective_date=effective,
                    author_id=author,
                    submitted_at=_at(effective - datetime.timedelta(days=21), 9),
                    approved_by_id=approver,
                    approved_at=_at(effective - datetime.timedelta(days=7), 15),
                    effective_at=_at(effective, 5),
                    superseded_at=None if is_latest else _at(dates[index + 1], 5),
                )
            )
            reviewers.append(reviewer)
        due = latest + relativedelta(months=document.review_interval_months)
        review_due[document.pk] = due
        if rng.random() < 0.15:  # the next revision is being written or reviewed
            in_review = rng.random() < 0.35
            author = admin if group else pick(owner_site, RoleCode.PROCESS_OWNER, RoleCode.DEPARTMENT_HEAD)
            versions.append(
                DocumentVersion(
                    document_id=document.pk,
                    number=count + 1,
                    status=VersionStatus.IN_REVIEW if in_review else VersionStatus.DRAFT,
                    body=_body(document.title, document.number, count + 1),
                    change_summary=rng.choice(VERSION_CHANGES),
                    effective_date=today + datetime.timedelta(days=rng.randint(14, 90)) if in_review else None,
                    author_id=author,
                    submitted_at=_at(today - datetime.timedelta(days=rng.randint(1, 10)), 10) if in_review else None,
                )
            )
            reviewers.append(None)
    DocumentVersion._base_manager.bulk_create(versions, batch_size=BATCH)
    # The periodic review is due from the effective date (``review_due`` is not part of any guarded content).
    by_due: dict[datetime.date, list[int]] = defaultdict(list)
    for pk, due in review_due.items():
        by_due[due].append(pk)
    for due, pks in by_due.items():
        ControlledDocument._base_manager.filter(pk__in=pks).update(review_due=due)

    # "Reviewed" and "approved" signatures of every version that went through approval, bound to its content.
    signers = Signers()
    content_type = ContentType.objects.get_for_model(DocumentVersion, for_concrete_model=False)
    locked = [(v, r) for v, r in zip(versions, reviewers, strict=True) if v.approved_by_id is not None]
    signers.load({p for v, r in locked for p in (v.approved_by_id, r)})
    signatures = []
    first_signed: dict[int, datetime.datetime] = {}
    for version, reviewer in locked:
        digest = record_hash(version)
        reviewed_at = version.submitted_at + datetime.timedelta(days=3, hours=2)
        for meaning, signer, at in (
            (SignatureMeaning.REVIEWED, reviewer, reviewed_at),
            (SignatureMeaning.APPROVED, version.approved_by_id, version.approved_at),
        ):
            signatures.append(
                signers.signature(
                    content_type=content_type,
                    object_pk=version.pk,
                    record_digest=digest,
                    meaning=meaning,
                    signer_id=signer,
                    signed_at=at,
                )
            )
            first_signed[signer] = min(at, first_signed.get(signer, at))
    certifications_ensure(signers, first_signed)
    Signature.objects.bulk_create(signatures, batch_size=BATCH)
    return {
        "documents": len(documents),
        "acknowledge": sum(d.requires_acknowledgement for d in documents),
        "versions": len(versions),
        "effective": sum(v.status == VersionStatus.EFFECTIVE for v in versions),
        "open": sum(v.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW) for v in versions),
        "signatures": len(signatures),
    }
