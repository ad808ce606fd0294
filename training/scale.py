"""Scale data of training (``manage.py seed_scale``, through ``TrainingConfig.scale_seed``).

About 300 courses at the large size (30 at the small one): company-wide courses (induction, annual GMP and EHS
refreshers, linked to the group documents), a few courses per site (linked to that site's policies and
procedures), topic courses per subject of the scale procedures (linked to them; some with an assessment or a
practical sign-off) grouped into one curriculum per function, and a few courses per role. Requirements ask for
them per site (everyone), per site × function (the function's curriculum) and per site × role.

The assignments are the people and courses ``training.assignments.required_rows`` asks for today, each with a
history simulated from the person's start: the first assignment (*new or changed role*), retraining on every
later effective version of a linked document (*document revised*) and periodic retraining (*recurrence*). Most
are completed, each with its ``TrainingRecord`` signed "trained" by the trainee (practical skills also
"verified" by a site trainer), some late; what is still open today is due soon, in progress or overdue. The
chains end in a state ``assignments_reconcile`` agrees with (a reconcile right after the seed creates and
cancels nothing). At the large size the oldest completed cycles are thinned so the total is about 2,000,000.

Rows are written with ``COPY`` in chunks (primary keys reserved from their sequences, so each signature is bound
to its record before either row exists). The audit triggers stay on and write one event per row, like every
other write: that is most of the time (the seed prints its figures).

Idempotent: the scale courses are recognised by their codes (``SCT-…``); when present nothing changes.
"""

from __future__ import annotations

import datetime
import decimal
import io
import random
import time
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone

from ims.audit.context import SETTING as AUDIT_SETTING
from ims.audit.context import audit_context, payload
from ims.audit.database import tables_analyze
from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.documents.scale import SUBJECTS, Signers, certifications_ensure, next_ids
from ims.esign.canonical import content_hash
from ims.esign.choices import SignatureMeaning
from ims.esign.models import Signature
from ims.esign.registry import get_signable
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Role, Site

from .assignments import required_rows
from .choices import AssignmentReason, AssignmentStatus, TrainingMethod
from .models import Assignment, Course, Curriculum, TrainingRecord, TrainingRequirement

CODE_PREFIX = "SCT-"
SITE_PREFIX = "SC"


class Plan:
    def __init__(self, courses: int, group: int, per_site: int, roles: int, target: int | None, history_days: int):
        self.courses, self.group, self.per_site, self.roles = courses, group, per_site, roles
        self.target = target  # total assignments wanted (None: as simulated)
        self.history_days = history_days  # how far before the scale memberships people started


PLANS = {
    "small": Plan(courses=30, group=4, per_site=2, roles=2, target=None, history_days=400),
    "large": Plan(courses=300, group=15, per_site=3, roles=5, target=2_000_000, history_days=1500),
}
CHUNK = 50_000
BEHIND = 0.12  # share of the assignments of the last year not done yet

GROUP_COURSES = (  # title, linked group document (number) or None, annual refresher?
    ("GMP basics", None, True),
    ("Integrated Management System policy and manual", "SCG-MAN-IMS-001", False),
    ("Data integrity and ALCOA+", "SCG-POL-QA-002", True),
    ("Environment, health and safety induction", "SCG-POL-EHS-003", False),
    ("Good documentation practice", None, True),
    ("Quality culture and speaking up", "SCG-POL-QA-004", False),
    ("Deviation reporting for everyone", None, True),
    ("Hygiene and gowning basics", None, True),
    ("Fire safety and evacuation", None, True),
    ("Information security awareness", None, True),
    ("Code of conduct", "SCG-POL-IMS-001", False),
    ("Environmental awareness", None, False),
    ("Chemical safety basics", None, False),
    ("Manual handling", None, False),
    ("First aid awareness", None, False),
)
SITE_COURSES = ("Site induction", "Site EHS rules and emergency plan", "Site quality system overview")
ROLE_COURSES = (
    (RoleCode.QUALITY_MANAGER, "Batch release and document approval for quality managers"),
    (RoleCode.TRAINER, "Train the trainer"),
    (RoleCode.INTERNAL_AUDITOR, "Internal auditor qualification"),
    (RoleCode.DEPARTMENT_HEAD, "GMP responsibilities of department heads"),
    (RoleCode.COMPLIANCE_OFFICER, "Regulatory inspections: hosting and follow-up"),
)
VARIANTS = ("{s}", "{s} — assessment", "{s} — practical skills", "{s} — refresher")
AREA_RECURRENCE = {"EHS": 24, "PRD": 24, "MIC": 24}  # curricula retrained periodically (months); others once


def scale_training_present() -> int:
    return Course._base_manager.filter(code__startswith=CODE_PREFIX).count()


def scale_training_seed(size_name: str, seed: int = 2026, log: Callable[[str], None] = print) -> str:
    present = scale_training_present()
    if present:
        return f"{present:,} scale courses already present; nothing changed"
    sites = list(Site.objects.filter(code__regex=rf"^{SITE_PREFIX}[0-9]+$").order_by("code"))
    if not sites:
        return "no scale sites; nothing to do"
    plan = PLANS.get(size_name) or PLANS["small"]
    started = time.monotonic()
    with transaction.atomic(), audit_context(channel="command", actor_label="seed_scale", reason="Scale seed"):
        counts = _seed(plan, sites, random.Random(seed * 13 + 5), log)
    # Fresh planner statistics: the first reads (the compliance snapshot) plan on real row counts.
    tables_analyze(
        "training_course", "training_trainingrequirement", "training_assignment", "training_trainingrecord",
        "esign_signature", "org_person", "org_membership",
    )  # fmt: skip
    total = counts["assignments"] or 1
    return (
        f"{counts['courses']:,} courses, {counts['curricula']:,} curricula, {counts['requirements']:,} requirements, "
        f"{counts['assignments']:,} assignments ({100 * counts['completed'] / total:.0f} % completed; open: "
        f"{counts['overdue']:,} overdue, {counts['due_soon']:,} due within 14 days, {counts['later']:,} due later), "
        f"{counts['records']:,} records, {counts['signatures']:,} signatures, "
        f"{counts['audit_events']:,} audit events in {time.monotonic() - started:.1f} s"
    )


# --- COPY ---------------------------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return str(value)


def copy_rows(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """``COPY`` rows into ``table`` on Django's connection, inside the current transaction, audit context set."""
    if not rows:
        return
    buffer = io.StringIO()
    buffer.writelines("\t".join(map(_text, row)) + "\n" for row in rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        # COPY bypasses the execute wrapper that hands the audit context over: hand it over here.
        cursor.execute("SELECT set_config(%s, %s, false)", [AUDIT_SETTING, payload()])
        cursor.cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


ASSIGNMENT_COLUMNS = (
    "id", "person_id", "course_id", "site_id", "requirement_id", "reason", "document_version_id", "due_date",
    "status", "completed_at", "cancelled_at", "cancel_reason", "cancel_note", "assigned_by_id", "reminded_days",
    "escalated_at", "created_at", "updated_at",
)  # fmt: skip
RECORD_COLUMNS = (
    "id", "person_id", "course_id", "site_id", "assignment_id", "document_version_id", "method", "completed_on",
    "valid_until", "score", "trainer_id", "signature_id", "verified_at", "verified_by_id", "created_at", "updated_at",
)  # fmt: skip
SIGNATURE_COLUMNS = (
    "id", "content_type_id", "object_pk", "record_hash", "meaning", "reason", "signer_id", "signer_name",
    "signer_username", "signed_at", "channel", "signature_hash",
)  # fmt: skip


# --- Catalogue: courses, curricula, requirements ----------------------------------------------------------------


def _catalogue(plan: Plan, sites: list[Site], rng: random.Random) -> dict:
    site_ids = [s.pk for s in sites]
    documents = {
        number: (pk, title, doc_type, sorted(s for s in doc_sites if s is not None))
        for number, pk, title, doc_type, doc_sites in _documents()
    }
    by_subject: dict[str, list[str]] = defaultdict(list)  # subject → procedure / instruction numbers
    by_site: dict[int, list[str]] = defaultdict(list)  # site → its own documents (numbers)
    for number, (_pk, title, doc_type, doc_sites) in documents.items():
        if len(doc_sites) == 1:
            by_site[doc_sites[0]].append(number)
        if doc_type in (DocumentType.PROCEDURE, DocumentType.WORK_INSTRUCTION):
            for _area, _function, _disciplines, subject in SUBJECTS:
                if title.startswith(subject):
                    by_subject[subject].append(number)
                    break

    courses: list[tuple[Course, list[int], list[str]]] = []  # course, sites, linked document numbers

    def add(code, title, course_sites, numbers, **fields) -> Course:
        course = Course(
            code=code,
            title=title[:200],
            description=f"{title}. Scale training data.",
            duration_minutes=rng.choice((15, 30, 30, 45, 60, 90, 120)),
            **fields,
        )
        courses.append((course, course_sites, [n for n in numbers if n in documents]))
        return course

    group = []
    for index, (title, number, annual) in enumerate(GROUP_COURSES[: plan.group]):
        course = add(f"{CODE_PREFIX}G-{index + 1:03d}", title, site_ids, [number] if number else [])
        group.append((course, annual))
    site_courses: dict[int, list[Course]] = defaultdict(list)
    for site in sites:
        own = sorted(by_site.get(site.pk, []))
        policies = [n for n in own if "-POL-" in n or "-MAN-" in n]
        procedures = [n for n in own if "-SOP-" in n]
        for index, title in enumerate(SITE_COURSES[: plan.per_site]):
            linked = policies[index : index + 1] + (rng.sample(procedures, 1) if procedures and index else [])
            course = add(f"{CODE_PREFIX}{site.code}-{index + 1:02d}", f"{title} — {site.name}", [site.pk], linked)
            site_courses[site.pk].append(course)
    role_courses = []
    for index, (role, title) in enumerate(ROLE_COURSES[: plan.roles]):
        role_courses.append((role, add(f"{CODE_PREFIX}R-{index + 1:02d}", title, site_ids, [])))
    topics = plan.courses - len(courses)
    by_area: dict[tuple[str, str], list[Course]] = defaultdict(list)  # (area, function name) → topic courses
    for index in range(max(0, topics)):
        area, function_name, _disciplines, subject = SUBJECTS[index % len(SUBJECTS)]
        variant = index % len(VARIANTS)
        candidates = sorted(by_subject.get(subject, []))
        multi = [n for n in candidates if n.startswith("SCM-")] or candidates
        linked = rng.sample(multi, k=min(len(multi), rng.randint(1, 2))) if multi else []
        course = add(
            f"{CODE_PREFIX}{area}-{index + 1:03d}",
            VARIANTS[variant].format(s=subject),
            site_ids,
            linked,
            has_assessment=variant == 1,
            requires_practical=variant == 2,
        )
        by_area[(area, function_name)].append(course)

    Course._base_manager.bulk_create([c for c, _s, _d in courses], batch_size=1000)
    Sites = Course.sites.through
    Documents = Course.documents.through
    Sites.objects.bulk_create(
        [Sites(course_id=c.pk, site_id=s) for c, course_sites, _d in courses for s in course_sites], batch_size=5000
    )
    Documents.objects.bulk_create(
        [
            Documents(course_id=c.pk, controlleddocument_id=documents[n][0])
            for c, _s, numbers in courses
            for n in sorted(set(numbers))
        ],
        batch_size=5000,
    )

    curricula: list[tuple[Curriculum, list[Course]]] = []
    induction = Curriculum(code=f"{CODE_PREFIX}CUR-INDUCTION", title="Company induction")
    annual = Curriculum(code=f"{CODE_PREFIX}CUR-ANNUAL", title="Annual GMP and EHS refresher")
    curricula.append((induction, [c for c, yearly in group if not yearly]))
    curricula.append((annual, [c for c, yearly in group if yearly]))
    function_curricula: dict[str, tuple[Curriculum, int | None]] = {}  # function name → curriculum, recurrence
    for (area, function_name), area_courses in sorted(by_area.items(), key=lambda item: item[0]):
        if function_name in function_curricula:
            curricula[[c for c, _x in curricula].index(function_curricula[function_name][0])][1].extend(area_courses)
            continue
        curriculum = Curriculum(code=f"{CODE_PREFIX}CUR-{area}", title=f"{function_name}: procedures and skills")
        curricula.append((curriculum, list(area_courses)))
        function_curricula[function_name] = (curriculum, AREA_RECURRENCE.get(area))
    curricula = [(c, members) for c, members in curricula if members]
    Curriculum._base_manager.bulk_create([c for c, _m in curricula])
    CurriculumSites = Curriculum.sites.through
    CurriculumCourses = Curriculum.courses.through
    CurriculumSites.objects.bulk_create(
        [CurriculumSites(curriculum_id=c.pk, site_id=s) for c, _m in curricula for s in site_ids], batch_size=5000
    )
    CurriculumCourses.objects.bulk_create(
        [CurriculumCourses(curriculum_id=c.pk, course_id=m.pk) for c, members in curricula for m in members],
        batch_size=5000,
    )
    live = {c.pk for c, _m in curricula}

    roles = {r.code: r.pk for r in Role.objects.all()}
    functions = list(Function.objects.filter(code__startswith="SF").order_by("code").values_list("pk", "name"))
    requirements: list[TrainingRequirement] = []
    for site in sites:
        if induction.pk in live:
            requirements.append(TrainingRequirement(site=site, curriculum=induction, grace_days=30))
        if annual.pk in live:
            requirements.append(TrainingRequirement(site=site, curriculum=annual, recurrence_months=12, grace_days=30))
        own = site_courses[site.pk]
        for index, course in enumerate(own):
            if index == 0:
                requirements.append(TrainingRequirement(site=site, course=course, grace_days=14))
            elif index == 1:
                requirements.append(TrainingRequirement(site=site, course=course, recurrence_months=24))
            else:  # a few functions at the site
                for function_id, _name in rng.sample(functions, k=min(len(functions), 5)):
                    requirements.append(TrainingRequirement(site=site, course=course, function_id=function_id))
        for role, course in role_courses:
            requirements.append(
                TrainingRequirement(site=site, course=course, role_id=roles[role], recurrence_months=24, grace_days=60)
            )
        for function_id, name in functions:
            base = name.removesuffix(" (scale)").rstrip("0123456789 ")
            if base in function_curricula:
                curriculum, months = function_curricula[base]
                requirements.append(
                    TrainingRequirement(
                        site=site,
                        function_id=function_id,
                        curriculum=curriculum,
                        recurrence_months=months,
                        grace_days=rng.choice((30, 30, 45)),
                    )
                )
    TrainingRequirement._base_manager.bulk_create(requirements, batch_size=5000)
    return {
        "courses": [c for c, _s, _d in courses],
        "links": {c.pk: sorted({documents[n][0] for n in numbers}) for c, _s, numbers in courses},
        "curricula": len(curricula),
        "requirements": len(requirements),
    }


def _documents():
    through = ControlledDocument.sites.through
    sites_of: dict[int, list[int]] = defaultdict(list)
    for document_id, site_id in through.objects.filter(controlleddocument__number__startswith="SC").values_list(
        "controlleddocument_id", "site_id"
    ):
        sites_of[document_id].append(site_id)
    for pk, number, title, doc_type in ControlledDocument._base_manager.filter(
        number__startswith="SC", is_active=True
    ).values_list("pk", "number", "title", "doc_type"):
        yield number, pk, title, doc_type, sites_of.get(pk, [])


# --- History of each required (person, course) --------------------------------------------------------------------

# One simulated assignment: (created, due, completed or None, reason, version id or None) — dates as ordinals.
Step = tuple[int, int, int | None, str, int | None]
MEMBERSHIP, REVISION, RECURRENCE = (
    AssignmentReason.MEMBERSHIP.value,
    AssignmentReason.DOCUMENT_REVISION.value,
    AssignmentReason.RECURRENCE.value,
)


def _add_months(day: int, months: int) -> int:
    date = datetime.date.fromordinal(day)
    month = date.month - 1 + months
    year, month = date.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return datetime.date(year, month, min(date.day, last)).toordinal()
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _chain(
    rng: random.Random, start: int, today: int, grace: int, months: int | None, revisions: list[tuple[int, int]]
) -> list[Step]:
    """The assignments one person had on one course since ``start``: every one completed except maybe the last."""
    dates = [d for d, _v in revisions]

    def version_at(day: int) -> int | None:
        index = bisect_right(dates, day)
        return revisions[index - 1][1] if index else None

    steps: list[Step] = []
    created, reason, due = start, MEMBERSHIP, start + grace
    version = version_at(created)
    while True:
        roll = rng.random()
        if roll < 0.80:  # on time
            completed = created + rng.randint(0, max(1, int((due - created) * 0.9)))
        elif roll < 0.93:  # just in time
            completed = created + rng.randint(max(0, int((due - created) * 0.9)), max(1, due - created))
        else:  # late
            completed = due + rng.randint(1, 150)
        if created >= today - 365 and rng.random() < BEHIND:  # not done yet: overdue, due soon or in progress
            completed = today + 1
        if completed > today:  # still open today (due soon, later, or overdue)
            steps.append((created, due, None, reason, version))
            return steps
        steps.append((created, due, completed, reason, version))
        valid_until = _add_months(completed, months) if months else None
        index = bisect_right(dates, completed)
        revised = revisions[index] if index < len(revisions) else None
        recur = valid_until - grace if valid_until is not None else None
        if revised is not None and revised[0] <= today and (recur is None or revised[0] <= recur):
            created, reason, due, version = revised[0], REVISION, revised[0] + grace, revised[1]
        elif recur is not None and recur <= today:
            created, reason, due, version = recur, RECURRENCE, max(valid_until, recur), version_at(recur)
        else:
            return steps


def _simulate(rows, starts, today: int, revisions, seed: int):
    """Yield (row, chain) for every required row; the same seed gives the same chains."""
    rng = random.Random(seed)
    for row in rows:
        person, course, _site, _req, grace, months = row
        yield row, _chain(rng, starts[person], today, grace, months, revisions.get(course, []))


def _seed(plan: Plan, sites: list[Site], rng: random.Random, log: Callable[[str], None]) -> dict[str, int]:
    step_started = time.monotonic()

    def done(what: str) -> None:
        nonlocal step_started
        now = time.monotonic()
        log(f"  training: {what}: {now - step_started:.1f} s")
        step_started = now

    events_before = _audit_events()
    today_date = timezone.localdate()
    today = today_date.toordinal()
    catalogue = _catalogue(plan, sites, rng)
    courses = {c.pk: c for c in catalogue["courses"]}
    done(f"{len(courses)} courses, {catalogue['curricula']} curricula, {catalogue['requirements']:,} requirements")

    rows = required_rows(on=today_date, course_ids=sorted(courses))
    done(f"{len(rows):,} required (person, course) pairs")

    # Every version (effective or superseded) of the linked documents: the retraining points of each course.
    versions: dict[int, tuple[int, str]] = {}  # version → (document, label)
    by_document: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for pk, document_id, number, effective, doc_number in DocumentVersion._base_manager.filter(
        status__in=(VersionStatus.EFFECTIVE, VersionStatus.SUPERSEDED),
        document_id__in={d for links in catalogue["links"].values() for d in links},
        effective_date__isnull=False,
    ).values_list("pk", "document_id", "number", "effective_date", "document__number"):
        versions[pk] = (document_id, f"{doc_number} v{number}")
        if effective <= today_date:
            by_document[document_id].append((effective.toordinal(), pk))
    revisions = {
        course: sorted(r for d in links for r in by_document.get(d, [])) for course, links in catalogue["links"].items()
    }

    # When each person started (before their scale memberships: they had roles before).
    start_of = (
        Membership.objects.filter(person_id__in={r[0] for r in rows}).values_list("person_id", "valid_from").distinct()
    )
    starts: dict[int, int] = {}
    for person, valid_from in sorted(start_of):
        begun = valid_from.toordinal() - rng.randint(0, plan.history_days)
        starts[person] = min(starts.get(person, begun), begun)

    # First pass: count the simulated assignments, to thin the oldest completed cycles to the target.
    simulation_seed = rng.randrange(2**32)
    latest, history = 0, 0
    for _row, chain in _simulate(rows, starts, today, revisions, simulation_seed):
        latest += 1
        history += len(chain) - 1
    keep = 1.0
    if plan.target is not None and history and latest + history > plan.target:
        keep = max(0.0, (plan.target - latest) / history)
    done(f"simulated {latest + history:,} assignments (keeping {keep:.0%} of the older cycles)")

    trainers: dict[int, list[int]] = defaultdict(list)
    for person, site in (
        Membership.objects.filter(role__code=RoleCode.TRAINER, site__in=sites)
        .order_by("person_id")
        .values_list("person_id", "site_id")
    ):
        trainers[site].append(person)
    signers = Signers()
    signers.load({r[0] for r in rows} | {p for people in trainers.values() for p in people})
    content_type = ContentType.objects.get_for_model(TrainingRecord, for_concrete_model=False)
    label = get_signable(TrainingRecord).label
    first_signed: dict[int, datetime.datetime] = {}
    counts = dict.fromkeys(
        ("assignments", "completed", "overdue", "due_soon", "later", "records", "signatures", "audit_events"), 0
    )
    counts.update(courses=len(courses), curricula=catalogue["curricula"], requirements=catalogue["requirements"])
    thin = random.Random(simulation_seed + 1)
    details = random.Random(simulation_seed + 2)
    hundred = decimal.Decimal("0.01")
    pending: list[tuple[tuple, Step, bool]] = []  # (row, step, is the last of its chain)
    soon = today + 14
    report_every = max(CHUNK, (plan.target or 0) // 8)
    steps, escalate_after = _reminder_settings()
    next_report = report_every

    def at(day: int, low: int = 6, high: int = 17) -> datetime.datetime:
        moment = datetime.datetime.combine(datetime.date.fromordinal(day), datetime.time(0), tzinfo=datetime.UTC)
        return moment + datetime.timedelta(seconds=details.randint(low * 3600, high * 3600))

    def flush() -> None:
        if not pending:
            return
        completed = [item for item in pending if item[1][2] is not None]
        verified_count = sum(courses[item[0][1]].requires_practical for item in completed)
        assignment_ids = next_ids(Assignment, len(pending))
        record_ids = iter(next_ids(TrainingRecord, len(completed)))
        signature_ids = iter(next_ids(Signature, len(completed) + verified_count))
        assignments, records, signatures = [], [], []
        for pk, ((person, course_id, site, requirement, _grace, months), step, _last) in zip(
            assignment_ids, pending, strict=True
        ):
            created, due, completed_on, reason, version = step
            course = courses[course_id]
            created_at = at(created, 5, 6)
            if completed_on is None:
                reminded, escalated_at = _swept_until_yesterday(created, due, today, steps, escalate_after)
                assignments.append(
                    (pk, person, course_id, site, requirement, reason, version, datetime.date.fromordinal(due),
                     AssignmentStatus.OPEN.value, None, None, "", "", None, reminded, escalated_at, created_at,
                     escalated_at or created_at)
                )  # fmt: skip
                continue
            signed_at = max(at(completed_on), created_at + datetime.timedelta(minutes=5))
            assignments.append(
                (pk, person, course_id, site, requirement, reason, version, datetime.date.fromordinal(due),
                 AssignmentStatus.COMPLETED.value, signed_at, None, "", "", None, None, None, created_at, signed_at)
            )  # fmt: skip
            record_id, signature_id = next(record_ids), next(signature_ids)
            on = datetime.date.fromordinal(completed_on)
            valid_until = datetime.date.fromordinal(_add_months(completed_on, months)) if months else None
            site_trainers = [t for t in trainers.get(site, []) if t != person]
            trainer = details.choice(site_trainers) if site_trainers else None
            score, verified_at, verified_by = None, None, None
            if course.has_assessment:
                method = TrainingMethod.ASSESSMENT.value
                score = decimal.Decimal(details.randint(8000, 10000)) / 100
                trainer = None
            elif course.requires_practical and trainer is not None:
                method = TrainingMethod.PRACTICAL.value
                verified_at, verified_by = signed_at + datetime.timedelta(minutes=details.randint(10, 240)), trainer
            elif trainer is not None and details.random() < 0.2:
                method = TrainingMethod.SESSION.value
            else:
                method, trainer = TrainingMethod.SELF_STUDY.value, None
            digest = content_hash(
                label,
                record_id,
                {
                    "person": person,
                    "course": course_id,
                    "document_version": version,
                    "completed_on": on,
                    "method": method,
                    "score": score.quantize(hundred) if score is not None else None,
                },
            )
            suffix = f" ({versions[version][1]})" if version in versions else ""
            statement = f"I was trained on {course.code} {course.title}{suffix}."
            signature = signers.signature(
                content_type=content_type,
                object_pk=record_id,
                record_digest=digest,
                meaning=SignatureMeaning.TRAINED,
                signer_id=person,
                signed_at=signed_at,
                reason=statement,
            )
            signature.pk = signature_id
            signatures.append(signature)
            first_signed[person] = min(signed_at, first_signed.get(person, signed_at))
            if verified_by is not None:
                check = signers.signature(
                    content_type=content_type,
                    object_pk=record_id,
                    record_digest=digest,
                    meaning=SignatureMeaning.VERIFIED,
                    signer_id=verified_by,
                    signed_at=verified_at,
                    reason=f"Practical skill verified: {course.code} {course.title}.",
                )
                check.pk = next(signature_ids)
                signatures.append(check)
                first_signed[verified_by] = min(verified_at, first_signed.get(verified_by, verified_at))
            records.append(
                (record_id, person, course_id, site, pk, version, method, on, valid_until, score, trainer,
                 signature_id, verified_at, verified_by, signed_at, verified_at or signed_at)
            )  # fmt: skip
        copy_rows(Assignment._meta.db_table, ASSIGNMENT_COLUMNS, assignments)
        copy_rows(
            Signature._meta.db_table,
            SIGNATURE_COLUMNS,
            [
                (
                    s.pk,
                    s.content_type_id,
                    s.object_pk,
                    s.record_hash,
                    s.meaning,
                    s.reason,
                    s.signer_id,
                    s.signer_name,
                    s.signer_username,
                    s.signed_at,
                    s.channel,
                    s.signature_hash,
                )
                for s in signatures
            ],  # fmt: skip
        )
        copy_rows(TrainingRecord._meta.db_table, RECORD_COLUMNS, records)
        counts["assignments"] += len(assignments)
        counts["completed"] += len(records)
        counts["records"] += len(records)
        counts["signatures"] += len(signatures)
        pending.clear()

    for row, chain in _simulate(rows, starts, today, revisions, simulation_seed):
        last = len(chain) - 1
        for index, step in enumerate(chain):
            if index < last and keep < 1.0 and thin.random() >= keep:
                continue  # an older, completed cycle left out (the totals stay near the target)
            pending.append((row, step, index == last))
            if step[2] is None:
                if step[1] < today:
                    counts["overdue"] += 1
                elif step[1] <= soon:
                    counts["due_soon"] += 1
                else:
                    counts["later"] += 1
        if len(pending) >= CHUNK:
            flush()
            if counts["assignments"] >= next_report:
                done(f"{counts['assignments']:,} assignments written")
                next_report += report_every
    flush()
    done(f"{counts['assignments']:,} assignments, {counts['records']:,} records, {counts['signatures']:,} signatures")
    counts["signatures"] += certifications_ensure(signers, first_signed)
    counts["audit_events"] = _audit_events() - events_before
    done("signature certifications")
    return counts


def _reminder_settings() -> tuple[tuple[int, ...], int | None]:
    """The reminder steps (days before due, largest first, ending with 0) and the escalation delay in days."""
    try:
        from .reminders import escalation_days, reminder_steps
    except ImportError:  # no reminders (yet): open assignments carry no reminder state
        return (), None
    return reminder_steps(), escalation_days()


def _swept_until_yesterday(
    created: int, due: int, today: int, steps: tuple[int, ...], escalate_after: int | None
) -> tuple[int | None, datetime.datetime | None]:
    """``reminded_days`` and ``escalated_at`` of an open assignment as the daily sweep left them yesterday.

    The seeded data is in the steady state of a system whose sweep ran every day: today's sweep reminds and
    escalates only what reaches a step today (``training.reminders``), not every open assignment at once.
    """
    yesterday = today - 1
    if not steps or created > yesterday:
        return None, None
    left = due - yesterday
    reminded = None
    if left <= steps[0]:
        reminded = min(step for step in steps if step >= left) if left > 0 else 0
    escalated_at = None
    if escalate_after is not None and due <= yesterday - escalate_after:
        day = datetime.date.fromordinal(max(due + escalate_after, created))
        escalated_at = datetime.datetime.combine(day, datetime.time(4, 30), tzinfo=datetime.UTC)
    return reminded, escalated_at


def _audit_events() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence('audit_auditevent', 'id')")
        cursor.execute(f"SELECT last_value FROM {cursor.fetchone()[0]}")  # noqa: S608 — a name from the catalogue
        return cursor.fetchone()[0]
