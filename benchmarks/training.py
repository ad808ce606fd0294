"""Training at scale (``python -m benchmarks training``): the reminder sweep, retraining on a revision, the matrix.

(a) The daily reminder sweep, ``ims.notifications.services.daily_sweep``: every registered notice producer
(read-and-acknowledge, training reminders and escalations once ``training.reminders`` exists) and the digests,
with e-mail going to Django's in-memory outbox; run twice to show the second run sends nothing new, checked for
at most one digest per person per day, then rolled back (the benchmark database stays as seeded).
(b) Auto-assignment when one procedure revision hits everybody: a course linked to a company-wide procedure,
required for everyone at every site, everyone trained; a new version becomes effective through the real path
(``ims.documents.services.version_make_effective`` → ``version_effective`` → ``training.assignments
.revision_retrain``); timed with its query count, deferred constraints checked inside the timing, rolled back.
(c) PLACEHOLDER — the matrix for the largest site, through the selectors of ``training.matrix`` when that module
is there (written by another part of the work); skipped with a message otherwise.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import time
from collections import Counter
from unittest import mock

from django.core import mail
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from benchmarks.web import largest_site, principals
from ims.audit.context import audit_context
from ims.documents import services as document_services
from ims.documents.choices import Discipline, DocumentType, VersionStatus
from ims.documents.models import ControlledDocument, DocumentVersion
from ims.org.models import Site
from training.assignments import assignments_reconcile
from training.choices import AssignmentReason, AssignmentStatus
from training.models import Assignment, Course, TrainingRecord, TrainingRequirement

TARGET_SWEEP_S = 60
TARGET_MATRIX_S = 1.0
# Modules whose import registers a notice producer (``@notice_producer``): imported when present, so a producer
# written later is part of the sweep without touching this file.
PRODUCER_MODULES = ("policies.distribution", "training.reminders")


def _producers() -> dict:
    for name in PRODUCER_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    from ims.notifications.registry import producers

    return producers()


# --- (a) the daily reminder sweep -------------------------------------------------------------------------------


def run_sweep(*, first_ever: bool = False) -> dict:
    """Two sweeps of today (rolled back): seconds, figures per producer, digests, and the per-person maximum.

    ``first_ever``: before the sweeps, no open assignment or task has been reminded or escalated yet (the state
    after loading two million assignments from another system): the first sweep catches up on all of them."""
    from ims.notifications import services
    from ims.notifications.models import Digest, Notice

    registered = _producers()
    names = sorted(registered)
    today = timezone.localdate()
    result: dict = {"producers": names}
    parts: dict[str, float] = {}

    def timed(name: str, func):
        def run(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return run

    # The real ``daily_sweep``, its producers and the digest step wrapped in timers (same work, split seconds).
    wrapped = {name: timed(name, produce) for name, produce in registered.items()}
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        mock.patch.object(services, "producers", lambda: dict(wrapped)),
        mock.patch.object(services, "digests_send", timed("digests", services.digests_send)),
        transaction.atomic(),
        audit_context(channel="task", actor_label="benchmark", reason="benchmark"),
    ):
        if first_ever:
            from policies.models import Acknowledgement

            open_assignments = Assignment._base_manager.filter(status=AssignmentStatus.OPEN)
            result["caught_up"] = open_assignments.update(reminded_days=None, escalated_at=None)
            Acknowledgement._base_manager.filter(escalated_at__isnull=False).update(escalated_at=None)
        mail.outbox = []
        started = time.perf_counter()
        result["first"] = services.daily_sweep(on=today)
        result["first_s"] = time.perf_counter() - started
        result["parts"] = dict(parts)
        parts.clear()
        result["emails"] = len(mail.outbox)
        result["notices"] = Notice.objects.filter(day=today).count()
        started = time.perf_counter()
        result["second"] = services.daily_sweep(on=today)
        result["second_s"] = time.perf_counter() - started
        result["parts_second"] = dict(parts)
        result["emails_second"] = len(mail.outbox) - result["emails"]
        per_person = Digest.objects.filter(day=today).values("person_id").annotate(n=Count("pk"))
        result["max_digests"] = max((row["n"] for row in per_person), default=0)
        recipients = Counter(address for message in mail.outbox for address in message.to)
        result["max_emails"] = max(recipients.values(), default=0)
        transaction.set_rollback(True)
    return result


# --- (b) a company-wide procedure revised -----------------------------------------------------------------------


def run_revision() -> dict:
    """Seconds, assignments created and queries when a revision of a procedure everybody is trained on takes effect."""
    principal = dict(principals())
    admin = principal["global admin"]
    approver = next(p for label, p in principal.items() if label.startswith("quality manager"))
    today = timezone.localdate()
    now = timezone.now()
    figures: dict = {}
    with transaction.atomic(), audit_context(channel="command", actor_label="benchmark", reason="benchmark"):
        with connection.cursor() as cursor:  # foreign keys checked at once, inside the timings
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        sites = list(Site.objects.filter(is_active=True))
        document = ControlledDocument._base_manager.create(
            number="BENCH-SOP-TRN-001",
            title="Benchmark Company-wide Procedure",
            doc_type=DocumentType.PROCEDURE,
            disciplines=[Discipline.QUALITY],
            owner=admin,
        )
        document.sites.set(sites)
        first = DocumentVersion._base_manager.create(
            document=document,
            number=1,
            status=VersionStatus.EFFECTIVE,
            body="# Benchmark procedure\n\nEveryone follows this.\n",
            effective_date=today - datetime.timedelta(days=200),
            author=admin,
            submitted_at=now - datetime.timedelta(days=230),
            approved_by=approver,
            approved_at=now - datetime.timedelta(days=210),
            effective_at=now - datetime.timedelta(days=200),
        )
        course = Course._base_manager.create(code="BENCH-TRN-001", title="Benchmark company-wide procedure")
        course.sites.set(sites)
        course.documents.set([document])
        TrainingRequirement._base_manager.bulk_create(
            [TrainingRequirement(site=site, course=course, grace_days=30) for site in sites]
        )
        started = time.perf_counter()
        first_wave = assignments_reconcile(course_ids=[course.pk])
        figures["require_s"] = time.perf_counter() - started
        figures["required"] = first_wave["created"]
        # Everyone trained on version 1 (records written in one statement; not signed: rolled back anyway).
        trained_on = today - datetime.timedelta(days=100)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO training_trainingrecord (person_id, course_id, site_id, assignment_id,
                    document_version_id, method, completed_on, score, created_at, updated_at)
                SELECT a.person_id, a.course_id, a.site_id, a.id, %s, 'self_study', %s, NULL, now(), now()
                FROM training_assignment a WHERE a.course_id = %s AND a.status = 'open'
                """,
                [first.pk, trained_on, course.pk],
            )
            cursor.execute(
                "UPDATE training_assignment SET status = 'completed', completed_at = now(), updated_at = now() "
                "WHERE course_id = %s AND status = 'open'",
                [course.pk],
            )
        figures["trained"] = TrainingRecord._base_manager.filter(course=course).count()
        second = DocumentVersion._base_manager.create(
            document=document,
            number=2,
            status=VersionStatus.APPROVED,
            body="# Benchmark procedure\n\nEveryone follows this, revised.\n",
            change_summary="Benchmark revision.",
            effective_date=today,
            author=admin,
            submitted_at=now - datetime.timedelta(days=3),
            approved_by=approver,
            approved_at=now,
        )
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            document_services.version_make_effective(version=second, on=today)
            figures["seconds"] = time.perf_counter() - started
        revised = Assignment._base_manager.filter(
            course=course, status=AssignmentStatus.OPEN, reason=AssignmentReason.DOCUMENT_REVISION
        )
        figures["created"] = revised.count()
        figures["pointing_at_new"] = revised.filter(document_version=second).count()
        figures["queries"] = len(queries.captured_queries)
        figures["sites"] = len(sites)
        started = time.perf_counter()
        figures["again"] = assignments_reconcile(course_ids=[course.pk])
        figures["again_s"] = time.perf_counter() - started
        transaction.set_rollback(True)
    return figures


# --- (c) PLACEHOLDER: the matrix for the largest site ---------------------------------------------------------


def run_matrix() -> list[tuple[str, float, int, int, int]] | str:
    """PLACEHOLDER until the matrix is benchmarked by its own part: (label, seconds, people, courses, queries).

    Uses the selectors of ``training.matrix`` (people × courses of a site, cells in a few queries) when present.
    Returns a message instead when the module or its selectors are missing.
    """
    if importlib.util.find_spec("training.matrix") is None:
        return "training.matrix is not there yet: skipped"
    matrix = importlib.import_module("training.matrix")
    needed = ("matrix_courses", "matrix_people", "matrix_cells", "matrix_rows")
    missing = [name for name in needed if not callable(getattr(matrix, name, None))]
    if missing:
        return f"training.matrix has no {', '.join(missing)}: skipped"
    site = largest_site()
    results = []
    for who, user in principals():
        if user is None:
            continue
        for limit in (60, None):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                courses = matrix.matrix_courses(user=user, site=site)[:limit]
                people = list(matrix.matrix_people(site=site))
                cells = matrix.matrix_cells(
                    user=user, person_ids=[p.pk for p in people], course_ids=[c.pk for c in courses]
                )
                rows = matrix.matrix_rows(people=people, courses=courses, cells=cells)
                seconds = time.perf_counter() - started
            shape = "first 60 courses" if limit else "all courses"
            results.append(
                (f"{site.code}, {shape}, as {who}", seconds, len(rows), len(courses), len(queries.captured_queries))
            )
    return results


def run_matrix_page() -> list:
    """The matrix page of the largest site (first page of 50 people, every course of the site), p50/p95 and queries,
    as the site's quality manager and as the Global Admin; and the compliance page."""
    from benchmarks.acknowledgements import measure
    from ims.testing.auth import signed_in_client

    site = largest_site()
    timings = []
    for who, user in principals():
        if user is None:
            continue
        client = signed_in_client(user)
        timings.append(
            measure(client, f"matrix page of {site.code} as {who}", f"/training/matrix/?site={site.pk}", requests=15)
        )
        timings.append(
            measure(client, f"compliance of {site.code} as {who}", f"/training/compliance/?site={site.pk}", requests=10)
        )
    return timings


def run_matrix_5000() -> dict:
    """A site of 5,000 people × 60 courses (built here, rolled back): the matrix page and the selectors for all.

    Everyone is required to take every course; a third of the cells hold an open assignment (overdue, due soon
    or later), the rest are lapsed. Timed as the Global Admin (the quality manager's scoping is timed above).
    """
    from benchmarks.acknowledgements import measure
    from ims.org.choices import RoleCode
    from ims.org.models import Function, Membership, Person, Role
    from ims.testing.auth import signed_in_client
    from training import matrix

    people_count, course_count = 5_000, 60
    admin = dict(principals()).get("global admin") or next(user for _who, user in principals() if user)
    figures: dict = {}
    with (
        transaction.atomic(),
        audit_context(channel="command", actor_label="benchmark", reason="Benchmark (rolled back)"),
    ):
        site = Site.objects.create(code="BENCH5K", name="Benchmark 5k", country="CH", timezone="Europe/Zurich")
        function = Function.objects.order_by("pk").first()
        role = Role.objects.get(code=RoleCode.EMPLOYEE)
        people = list(
            Person.objects.filter(is_active=True, employee_id__startswith="SC-").order_by("pk")[:people_count]
        )
        Membership.objects.bulk_create(
            [Membership(person=p, site=site, function=function, role=role) for p in people], batch_size=5000
        )
        courses = Course.objects.bulk_create(
            [Course(code=f"BENCH-{i:03d}", title=f"Benchmark course {i}") for i in range(course_count)]
        )
        Course.sites.through.objects.bulk_create(
            [Course.sites.through(course_id=c.pk, site_id=site.pk) for c in courses]
        )
        TrainingRequirement.objects.bulk_create(
            [TrainingRequirement(site=site, course=c, role=role, grace_days=30) for c in courses]
        )
        today = timezone.localdate()
        Assignment.objects.bulk_create(
            [
                Assignment(
                    person=p,
                    course=c,
                    site=site,
                    reason=AssignmentReason.MEMBERSHIP,
                    due_date=today + datetime.timedelta(days=(i + j) % 60 - 20),
                )
                for i, p in enumerate(people)
                for j, c in enumerate(courses)
                if (i + j) % 3 == 0
            ],
            batch_size=10_000,
        )
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            course_list = matrix.matrix_courses(user=admin, site=site)
            rows_people = list(matrix.matrix_people(site=site))
            cells = matrix.matrix_cells(
                user=admin, person_ids=[p.pk for p in rows_people], course_ids=[c.pk for c in course_list]
            )
            matrix.matrix_rows(people=rows_people, courses=course_list, cells=cells)
        figures["selectors_s"] = time.perf_counter() - started
        figures["selectors_queries"] = len(queries.captured_queries)
        figures["shape"] = (len(rows_people), len(course_list))
        client = signed_in_client(admin)
        figures["page"] = measure(client, "matrix page", f"/training/matrix/?site={site.pk}", requests=15)
        transaction.set_rollback(True)
    return figures


# --- The section ----------------------------------------------------------------------------------------------


def run_training(say) -> None:
    today = timezone.localdate()
    assignments = Assignment._base_manager.all()
    total = assignments.count()
    states = dict(assignments.values_list("status").annotate(n=Count("pk")).order_by())
    overdue = assignments.filter(status=AssignmentStatus.OPEN, due_date__lt=today).count()
    say(f"Training: {Course._base_manager.count():,} courses, {TrainingRequirement._base_manager.count():,} "
        f"requirements, {total:,} assignments ({states.get(AssignmentStatus.COMPLETED, 0):,} completed, "
        f"{states.get(AssignmentStatus.OPEN, 0):,} open of which {overdue:,} overdue), "
        f"{TrainingRecord._base_manager.count():,} records")  # fmt: skip

    sweep = run_sweep()
    first, second = sweep["first"], sweep["second"]
    mark = "ok" if sweep["first_s"] <= TARGET_SWEEP_S else "OVER TARGET"
    missing = "" if "training" in sweep["producers"] else " — training producer not registered yet"
    say(f"  reminder sweep (producers: {', '.join(sweep['producers'])}{missing}): {sweep['first_s']:6.2f} s, "
        f"{', '.join(f'{k} {v:,}' for k, v in first.items())}; {sweep['emails']:,} e-mails "
        f"(target ≤ {TARGET_SWEEP_S} s: {mark})")  # fmt: skip
    say(f"    of which {', '.join(f'{k} {v:.2f} s' for k, v in sweep['parts'].items())}")
    again_ok = not any(second.values()) and not sweep["emails_second"]
    say(f"    run again the same day: {sweep['second_s']:6.2f} s, {', '.join(f'{k} {v:,}' for k, v in second.items())}"
        f"; {sweep['emails_second']:,} e-mails ({'nothing new: ok' if again_ok else 'SENT AGAIN'})")  # fmt: skip
    once = sweep["max_digests"] <= 1 and sweep["max_emails"] <= 1
    say(f"    digests per person today: at most {sweep['max_digests']}, e-mails per address at most "
        f"{sweep['max_emails']} (≤ 1 per person per day: {'ok' if once else 'FAILED'})")  # fmt: skip
    assert once, "more than one digest for a person on one day"
    catch_up = run_sweep(first_ever=True)
    mark = "ok" if catch_up["first_s"] <= TARGET_SWEEP_S else "OVER TARGET"
    figures = ", ".join(f"{k} {v:,}" for k, v in catch_up["first"].items())
    say(f"  first sweep ever ({catch_up['caught_up']:,} open assignments never reminded): "
        f"{catch_up['first_s']:6.2f} s, {figures} (target ≤ {TARGET_SWEEP_S} s: {mark})")  # fmt: skip
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in catch_up["parts"].items())
    say(f"    of which {parts}; run again the same day: "
        f"{catch_up['second_s']:.2f} s, {', '.join(f'{k} {v:,}' for k, v in catch_up['second'].items())}")  # fmt: skip

    revision = run_revision()
    say(f"  procedure required for everyone ({revision['sites']} sites): {revision['required']:,} assignments in "
        f"{revision['require_s']:.2f} s; {revision['trained']:,} trained on version 1")  # fmt: skip
    say(f"  its version 2 made effective: {revision['seconds']:6.2f} s, {revision['created']:,} retraining "
        f"assignments created ({revision['pointing_at_new']:,} on the new version), {revision['queries']} queries; "
        f"reconcile again {revision['again_s']:.2f} s, created {revision['again']['created']}")  # fmt: skip

    matrix = run_matrix()
    if isinstance(matrix, str):
        say(f"  matrix of the largest site: {matrix}")
    else:
        say(f"  matrix of the largest site (selectors for every person of the site at once, "
            f"target ≤ {TARGET_MATRIX_S:.0f} s for 5,000 × 60)")  # fmt: skip
        for label, seconds, people, courses, queries in matrix:
            mark = "" if seconds <= TARGET_MATRIX_S or courses > 60 else "  OVER TARGET"
            say(f"    {label}: {seconds:6.2f} s, {people:,} people × {courses} courses, {queries} queries{mark}")
    big = run_matrix_5000()
    people, courses = big["shape"]
    page = big["page"]
    say(f"  a site of {people:,} people × {courses} courses (built and rolled back), as the Global Admin: selectors "
        f"for all {big['selectors_s']:.2f} s, {big['selectors_queries']} queries; page of 50 people "
        f"{page.p50_ms:.1f} / {page.p95_ms:.1f} ms, {page.queries} queries, "
        f"HTTP {page.status} (target ≤ 1 s)")  # fmt: skip
    say("  matrix and compliance pages (first page of 50 people, every course of the site; p50 / p95 ms, queries)")
    for timing in run_matrix_page():
        say(f"    {timing.label}: {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.queries} queries  "
            f"HTTP {timing.status}")  # fmt: skip
