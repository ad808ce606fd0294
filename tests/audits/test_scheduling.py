"""The beat task plans one audit per programme slot: idempotent, set based, safe under concurrent runs."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from audits import scheduling, services, tasks
from audits.choices import RiskLevel
from audits.models import Audit
from ims.testing.factories import SiteFactory

from .auditkit import auditor, clause, process_at, standard

TODAY = datetime.date(2026, 1, 5)


def programme(org, sites, *, areas=None, year=2026):
    prog = services.programme_create(actor=org.admin, year=year, title="Internal audits", sites=sites)
    for data in areas or []:
        services.area_add(actor=org.admin, programme=prog, **data)
    return prog


@pytest.mark.django_db
class TestSlots:
    @pytest.mark.req("ISO9001-9.2")
    def test_risk_sets_the_frequency_and_a_rerun_creates_nothing(self, org):
        process = process_at(org, org.site_a, org.site_b)
        prog = programme(
            org,
            [org.site_a, org.site_b],
            areas=[
                {"process": process, "risk": RiskLevel.HIGH},
                {"standard": standard(), "risk": RiskLevel.MEDIUM},
                {"clause": clause("9"), "risk": RiskLevel.LOW},
            ],
        )
        whole_year = scheduling.programme_schedule(today=TODAY, horizon_days=366)
        assert whole_year == 2 * (4 + 2 + 1)
        assert scheduling.programme_schedule(today=TODAY, horizon_days=366) == 0
        assert Audit.objects.filter(programme=prog).count() == 14
        high = Audit.objects.filter(area__process=process, site=org.site_a).order_by("period_start")
        assert [a.period_start.month for a in high] == [1, 4, 7, 10]
        assert "Q2 2026" in high[1].title
        # Scope: the process and its clauses; the standard: all its clauses; the clause: itself and sub-clauses.
        assert list(high[0].processes.all()) == [process]
        assert set(high[0].clauses.values_list("number", flat=True)) == {"8.1", "9"}
        std = Audit.objects.filter(area__standard=standard()).first()
        assert std.clauses.count() == standard().clauses.count()

    def test_the_override_changes_the_frequency(self, org):
        prog = programme(org, [org.site_a], areas=[{"clause": clause("9"), "risk": RiskLevel.LOW}])
        area = prog.areas.get()
        services.area_update(actor=org.admin, area=area, changes={"frequency_override": 12})
        assert scheduling.programme_schedule(today=TODAY, horizon_days=366) == 12

    def test_only_the_next_quarter_is_planned(self, org):
        programme(org, [org.site_a], areas=[{"clause": clause("9"), "risk": RiskLevel.HIGH}])
        assert scheduling.programme_schedule(today=datetime.date(2026, 3, 20)) == 2  # Q1 (running) and Q2
        assert scheduling.programme_schedule(today=datetime.date(2026, 3, 21)) == 0
        assert scheduling.programme_schedule(today=datetime.date(2026, 6, 20)) == 1  # Q3 comes within the horizon

    def test_the_area_auditor_is_assigned_only_where_independent(self, org):
        independent = auditor(org)
        process = process_at(org, org.site_a, functions=[org.qa])  # run by the auditor's own function
        other = process_at(org, org.site_a)
        programme(
            org,
            [org.site_a],
            year=timezone.localdate().year,
            areas=[
                {"process": process, "risk": RiskLevel.LOW, "auditor": independent},
                {"process": other, "risk": RiskLevel.LOW, "auditor": independent},
            ],
        )
        scheduling.programme_schedule(today=timezone.localdate(), horizon_days=366)  # memberships current today
        assert Audit.objects.get(area__process=process).lead_auditor is None
        assert Audit.objects.get(area__process=other).lead_auditor == independent

    def test_an_unqualified_area_auditor_is_refused(self, org):
        untrained = auditor(org, qualified=False)
        from .auditkit import internal_audit_course

        internal_audit_course()
        prog = programme(org, [org.site_a])
        with pytest.raises(Exception, match="IA-101"):
            services.area_add(actor=org.admin, programme=prog, clause=clause("9"), auditor=untrained)
        assert not prog.areas.exists()

    def test_the_task_wraps_the_service(self, org):
        programme(org, [org.site_a], areas=[{"clause": clause("9"), "risk": RiskLevel.HIGH}])
        first = tasks.programme_schedule()
        assert first["created"] >= 1
        assert tasks.programme_schedule() == {"created": 0}

    @pytest.mark.req("ISO9001-9.2")
    def test_forty_sites_are_scheduled_within_ten_seconds(self, org):
        sites = [SiteFactory() for _n in range(40)]
        process = process_at(org, *sites)
        areas = [{"process": process, "risk": RiskLevel.HIGH}, {"standard": standard(), "risk": RiskLevel.MEDIUM}]
        areas += [{"clause": clause(n), "risk": RiskLevel.LOW} for n in ("4", "8", "9")]
        programme(org, sites, areas=areas)
        started = time.monotonic()
        created = scheduling.programme_schedule(today=TODAY, horizon_days=366)
        elapsed = time.monotonic() - started
        assert created == 40 * (4 + 2 + 3)
        assert elapsed <= 10
        started = time.monotonic()
        assert scheduling.programme_schedule(today=TODAY, horizon_days=366) == 0
        assert time.monotonic() - started <= 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_create_each_slot_once(org):
    process = process_at(org, org.site_a, org.site_b)
    programme(org, [org.site_a, org.site_b], areas=[{"process": process, "risk": RiskLevel.HIGH}])
    results, errors = [], []
    barrier = threading.Barrier(4)

    def run():
        try:
            barrier.wait()
            results.append(scheduling.programme_schedule(today=TODAY, horizon_days=366))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(results) == 8
    assert Audit.objects.count() == 8
