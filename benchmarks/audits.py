"""Internal audits at scale (``python -m benchmarks audits``): planning a 40-site programme and its re-run, and
the calendar and trend pages for the Global Admin (480 audits, 50,000 findings from the scale seed).

Targets: scheduling a 40-site programme ≤ 10 s, a re-run creates nothing; p95 ≤ 300 ms for the calendar
(company-wide, month and quarter) and the finding trends.
"""

from __future__ import annotations

import datetime
import time

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from benchmarks.pages import TARGET_P95_MS, measure_page
from benchmarks.web import principals
from ims.testing.auth import signed_in_client

SCHEDULE_TARGET_S = 10.0


def schedule_timings() -> tuple[int, float, int, float, int]:
    """A new programme over the scale sites with five areas (quarterly, twice a year, yearly), planned for the
    whole year, then planned again; rolled back."""
    from audits import scheduling
    from audits.choices import RiskLevel
    from audits.models import AuditProgramme, ProgrammeArea
    from ims.org.models import Site
    from processes.models import Clause, Process, Standard

    sites = list(Site.objects.filter(code__regex=r"^SC[0-9]+$").order_by("code")[:40])
    standard = Standard.objects.filter(code="ISO 14001", is_active=True).first()
    year = timezone.localdate().year + 1
    with transaction.atomic():
        programme = AuditProgramme.objects.create(year=year, title="Benchmark programme")
        programme.sites.set(sites)
        areas = [ProgrammeArea(programme=programme, standard=standard, risk=RiskLevel.HIGH)]
        areas += [
            ProgrammeArea(programme=programme, process=p, risk=RiskLevel.MEDIUM)
            for p in Process.objects.filter(sites__in=sites).distinct().order_by("pk")[:2]
        ]
        areas += [
            ProgrammeArea(programme=programme, clause=c, risk=RiskLevel.LOW)
            for c in Clause.objects.filter(standard__code="ISO 9001", number__in=("9.2", "10.2"))[:2]
        ]
        ProgrammeArea.objects.bulk_create(areas)
        started = time.perf_counter()
        created = scheduling.programme_schedule(today=datetime.date(year, 1, 1), horizon_days=366,
                                                programme_id=programme.pk)  # fmt: skip
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = scheduling.programme_schedule(today=datetime.date(year, 1, 1), horizon_days=366,
                                              programme_id=programme.pk)  # fmt: skip
        second = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(sites), first, created, second, again


def pages() -> list[tuple[str, str]]:
    from audits.models import Audit

    busiest = Audit.objects.order_by("-planned_date").values_list("planned_date", flat=True).first()
    on = (busiest or timezone.localdate()).isoformat()
    calendar = reverse("audits:calendar")
    return [
        ("audit calendar, month, company-wide", f"{calendar}?view=month&on={on}"),
        ("audit calendar, quarter, company-wide", f"{calendar}?view=quarter&on={on}"),
        ("finding trends, all", reverse("audits:trends")),
        ("finding trends, majors and minors", f"{reverse('audits:trends')}?grade=major&grade=minor"),
        ("audit list", reverse("audits:audit_list")),
        ("finding list", reverse("audits:finding_list")),
    ]


def run_audits(say) -> None:
    from audits.models import Audit, Finding

    say(f"Step 6 — internal audits ({Audit.objects.count():,} audits, {Finding.objects.count():,} findings)")
    sites, first, created, second, again = schedule_timings()
    verdict = "ok" if first <= SCHEDULE_TARGET_S and again == 0 else "OVER TARGET"
    say(f"  scheduling a {sites}-site programme: {first:.2f} s, {created:,} audits created; re-run {second:.2f} s, "
        f"{again} created (target ≤ {SCHEDULE_TARGET_S:.0f} s, re-run 0: {verdict})")  # fmt: skip
    admin = dict(principals())["global admin"]
    client = signed_in_client(admin)
    say(f"  as Global Admin ({admin.username}), target p95 ≤ {TARGET_P95_MS:.0f} ms")
    for label, url in pages():
        timing = measure_page(client, label, url)
        mark = "ok" if timing.ok else "OVER TARGET"
        say(f"    {label:<40} {timing.p50_ms:7.1f} / {timing.p95_ms:7.1f} ms  {timing.kilobytes:6.1f} KB  "
            f"{timing.queries:3d} queries  HTTP {timing.status}  {mark}")  # fmt: skip
    say()
