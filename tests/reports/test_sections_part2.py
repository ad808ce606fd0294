"""Evidence sections of processes, audits, CAPA and the audit trail: each part shows the records of the pack's sites
and period only, its manifest names exactly the records it shows, larger sets split into several parts, and a
part renders to a PDF that holds the records' values."""

from __future__ import annotations

import datetime
import io
import re
import time
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from audits import evidence as audits_evidence
from audits import services as audit_services
from audits.models import ChecklistItem
from capa import evidence as capa_evidence
from capa import services as capa_services
from capa.models import Capa
from ims.audit import evidence as trail_evidence
from ims.audit.integrity import integrity_run
from ims.audit.models import AuditEvent, AuditSeal, IntegrityRun
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.reports.manifest import record_hash
from ims.reports.registry import PackScope, get_section
from ims.reports.render import html_to_pdf, part_document
from processes import applicability, gaps
from processes import evidence as processes_evidence
from processes.models import MapDiagram, Process, ResultStatus
from tests.audits.auditkit import answer_all, audit_at, clause, person_at, process_at, qualify, started
from tests.capa.capakit import approved, capa_at, certify, investigated, planned
from tests.processes.gapkit import small_standards
from tests.processes.test_maps import new_map, take_to_effective
from tests.reports.included import assert_manifest_is_the_included_records

pytestmark = pytest.mark.django_db


def scope_for(org, *sections, start=None, end=None, sites=None, options=None) -> PackScope:
    today = timezone.localdate()
    return PackScope(
        site_ids=tuple(s.pk for s in (sites or [org.site_a])),
        period_start=start or today - datetime.timedelta(days=60),
        period_end=end or today + datetime.timedelta(days=30),
        sections=tuple(sections),
        viewer_id=org.qm_a.pk,
        options=options or {},
    )


def rendered(code: str, scope: PackScope, prefix: str = "") -> list:
    section = get_section(code)
    return [section.render(scope, key) for key in section.parts(scope) if key.startswith(prefix)]


def shown(parts) -> set[tuple[str, str]]:
    return {(r.model, r.pk) for part in parts for r in part.records}


def ids(label: str, *records) -> set[tuple[str, str]]:
    return {(label, str(r.pk)) for r in records}


def text_of(parts) -> str:
    return " ".join(part.html for part in parts)


def pdf_text(section_title: str, body: str) -> str:
    """The PDF's text without white space (a narrow cell wraps a reference onto two lines)."""
    pdf = html_to_pdf(part_document(section_title=section_title, body=body, first_part=True))
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def squeezed(value: str) -> str:
    return "".join(value.split())


# --- registration -------------------------------------------------------------------------------------------------

SECTIONS = ("processes", "audits", "capa", "trail", "integrity")


@pytest.mark.parametrize("code", SECTIONS)
def test_a_section_names_real_models_dates_that_are_never_empty_and_pages_that_exist(code):
    section = get_section(code)
    assert section is not None and section.models
    for label in section.models:
        apps.get_model(label)  # raises for a label that is no model
    for label, lookup in section.period_lookups.items():
        assert label in section.models
        opts = apps.get_model(label)._meta
        *path, name = lookup.split("__")
        for step in path:
            relation = opts.get_field(step)
            assert not relation.null, (label, lookup)
            opts = relation.related_model._meta
        field = opts.get_field(name)
        assert isinstance(field, models.DateField) and not field.null, (label, lookup)
    for _label, url_name in section.pages:
        reverse(url_name)


# --- CAPA -------------------------------------------------------------------------------------------------------


@pytest.fixture
def capas(org):
    certify(org, org.qm_a)
    in_period = approved(org, planned(org, investigated(org, capa_at(org, title="Cold room alarm ignored"))))
    old = capa_at(org, title="Old freezer excursion")
    Capa.objects.filter(pk=old.pk).update(opened_at=timezone.now() - datetime.timedelta(days=400))
    other_site = capa_at(org, site=org.site_b, title="Boston incubator excursion")
    return SimpleNamespace(in_period=in_period, old=old, other_site=other_site)


def test_the_capa_log_shows_the_capas_opened_at_the_sites_in_the_period(org, capas):
    scope = scope_for(org, "capa")
    assert get_section("capa").parts(scope) == ["log0"]
    [log] = rendered("capa", scope)
    assert shown([log]) == ids("capa.capa", capas.in_period)
    assert capas.in_period.reference in log.html and "Cold room alarm ignored" in log.html
    for absent in (capas.old, capas.other_site):
        assert absent.reference not in log.html and absent.title not in log.html
    assert log.title == "CAPA log 1–1"
    assert "Europe/Zurich" in log.html  # opened, in the site's zone
    both = scope_for(org, "capa", sites=[org.site_a, org.site_b])
    assert shown(rendered("capa", both)) == ids("capa.capa", capas.in_period, capas.other_site)


def test_a_capa_file_is_the_full_record_of_a_chosen_capa_of_the_sites(org, capas):
    chosen = (capas.in_period.pk, capas.other_site.pk, capas.old.pk)
    scope = scope_for(org, "capa", options={"capa.files": chosen})
    keys = get_section("capa").parts(scope)
    assert keys == ["log0", f"file{capas.in_period.pk}", f"file{capas.old.pk}"]  # by reference; not site B's
    assert_manifest_is_the_included_records("capa", scope)
    file = get_section("capa").render(scope, f"file{capas.in_period.pk}")
    assert file.title == capas.in_period.reference
    for value in ("The SOP lacks a daily alarm check.", "Speaker removed", "Reinstall speaker",
                  "Add alarm check to SOP", "Action plan approved", org.qm_a.display_name):  # fmt: skip
        assert value in file.html, value
    assert "Europe/Zurich" in file.html  # the signature at the site's wall clock
    actions = list(capas.in_period.actions.all())
    assert len(actions) == 2
    assert shown([file]) == ids("capa.capa", capas.in_period) | ids("capa.capaaction", *actions)
    record = next(r for r in file.records if r.model == "capa.capa")
    assert record.sha256 == record_hash(Capa.objects.get(pk=capas.in_period.pk))
    refused = get_section("capa").render(scope, f"file{capas.other_site.pk}")
    assert refused.records == [] and capas.other_site.reference not in refused.html


def test_the_capa_log_is_cut_into_parts(org, monkeypatch):
    made = [capa_at(org, title=f"Excursion {i}") for i in range(5)]
    monkeypatch.setattr(capa_evidence, "PER_PART", 2)
    scope = scope_for(org, "capa")
    assert get_section("capa").parts(scope) == ["log0", "log1", "log2"]
    parts = rendered("capa", scope)
    assert [len(p.records) for p in parts] == [2, 2, 1]
    assert [p.title for p in parts] == ["CAPA log 1–2", "CAPA log 3–4", "CAPA log 5–5"]
    assert shown(parts) == ids("capa.capa", *made)


# --- internal audits ----------------------------------------------------------------------------------------------


@pytest.fixture
def audits(org):
    today = timezone.localdate()
    programme = audit_services.programme_create(actor=org.admin, year=today.year, title="Audits A", sites=[org.site_a])
    area = audit_services.area_add(actor=org.admin, programme=programme, clause=clause("8.1"), risk="high")
    other_programme = audit_services.programme_create(
        actor=org.admin, year=today.year, title="Audits B", sites=[org.site_b]
    )
    audit_services.area_add(actor=org.admin, programme=other_programme, clause=clause("9"), risk="low")
    audit, lead = started(org, planned_date=today - datetime.timedelta(days=5), title="Batch release audit A")
    finding = audit_services.finding_raise(
        actor=lead, audit=audit, grade="major", clause=clause("8.1"), statement="Released without QA review",
        evidence_reference="BR-114",
    )  # fmt: skip
    answer_all(audit, lead)
    audit_services.audit_complete(
        actor=lead, audit=audit, password=org.password, username=lead.username, summary="Fair"
    )
    later = audit_at(org, planned_date=today + datetime.timedelta(days=200), title="Next year audit A")
    lead_b = person_at(org, "auditor_b", org.site_b, org.qa, role=RoleCode.INTERNAL_AUDITOR)
    qualify(org, lead_b, site=org.site_b)
    audit_b = audit_at(
        org, org.site_b, lead=lead_b, auditees=[org.emp_b], process=process_at(org, org.site_b),
        planned_date=today - datetime.timedelta(days=5), title="Boston audit",
    )  # fmt: skip
    audit_b = audit_services.audit_start(actor=lead_b, audit=audit_b)
    finding_b = audit_services.finding_raise(
        actor=lead_b, audit=audit_b, grade="minor", clause=clause("9"), statement="Boston logbook gaps",
        evidence_reference="LOG-9",
    )  # fmt: skip
    return SimpleNamespace(
        programme=programme, area=area, audit=audit, lead=lead, finding=finding, later=later, audit_b=audit_b,
        finding_b=finding_b,
    )  # fmt: skip


def test_the_audits_section_shows_the_audits_of_the_sites_in_the_period_with_their_findings(org, audits):
    scope = scope_for(org, "audits")
    assert get_section("audits").parts(scope) == ["programme0", "audits0", "findings0", "checklist0"]
    assert_manifest_is_the_included_records("audits", scope)
    programme, audit_part, findings, checklist = rendered("audits", scope)

    assert shown([programme]) == ids("audits.auditprogramme", audits.programme) | ids(
        "audits.programmearea", audits.area
    )
    assert "Audits A" in programme.html and "Audits B" not in programme.html

    assert shown([audit_part]) == ids("audits.audit", audits.audit)
    assert audits.audit.reference in audit_part.html
    for absent in (audits.later, audits.audit_b):
        assert absent.reference not in audit_part.html
    assert "AUD-STD 8, 8.1, 9" in audit_part.html  # the scope
    assert audits.lead.display_name in audit_part.html
    assert re.search(r"Authored: [^;]*" + re.escape(audits.lead.display_name) + r", \S+ \S+ Europe/Zurich",
                     audit_part.html)  # fmt: skip

    assert shown([findings]) == ids("audits.finding", audits.finding)
    assert "Released without QA review" in findings.html and "Major nonconformity" in findings.html
    assert "Boston logbook gaps" not in findings.html

    items = list(ChecklistItem.objects.filter(audit=audits.audit))
    assert items and shown([checklist]) == ids("audits.checklistitem", *items)
    assert "Conforming" in checklist.html


def test_an_audit_planned_elsewhere_in_time_but_performed_in_the_period_belongs_to_it(org, audits):
    today = timezone.localdate()
    late = audit_at(org, planned_date=today - datetime.timedelta(days=300), title="Overdue audit",
                    lead=audits.lead, auditees=[org.emp_a])  # fmt: skip
    audit_services.audit_start(actor=audits.lead, audit=late)
    [part] = rendered("audits", scope_for(org, "audits"), prefix="audits")
    assert shown([part]) == ids("audits.audit", audits.audit, late)
    past = scope_for(org, "audits", start=today - datetime.timedelta(days=150), end=today - datetime.timedelta(days=99))
    [empty] = rendered("audits", past, prefix="audits")
    assert empty.records == [] and "No internal audit" in empty.html


def test_the_checklists_are_cut_into_parts(org, audits, monkeypatch):
    monkeypatch.setattr(audits_evidence, "PER_PART", 2)
    scope = scope_for(org, "audits")
    items = list(ChecklistItem.objects.filter(audit=audits.audit))
    keys = [k for k in get_section("audits").parts(scope) if k.startswith("checklist")]
    assert len(keys) == -(-len(items) // 2) >= 2
    parts = rendered("audits", scope, prefix="checklist")
    assert all(len(p.records) <= 2 for p in parts)
    assert sum(len(p.records) for p in parts) == len(items)
    assert shown(parts) == ids("audits.checklistitem", *items)


# --- processes ----------------------------------------------------------------------------------------------------


def map_people(org, site, suffix: str):
    def person(username, role):
        p = org_services.person_create(
            username=username, employee_id=username.upper(), first_name="T", last_name=username,
            email=f"{username}@example.com",
        )  # fmt: skip
        org_services.membership_create(person=p, site=site, function=org.qa, role=org.roles[role])
        p.password = org.qm_a.password
        type(p).objects.filter(pk=p.pk).update(password=p.password)
        certify(org, p)
        return p

    approver = org.qm_a if site == org.site_a else org.qm_b
    certify(org, approver)
    return SimpleNamespace(
        author=person(f"po_author_{suffix}", RoleCode.PROCESS_OWNER),
        reviewer=person(f"dh_reviewer_{suffix}", RoleCode.DEPARTMENT_HEAD),
        approver=approver,
    )


@pytest.fixture
def processes(org):
    today = timezone.localdate()
    std, _ = small_standards()
    at_a = Process.objects.create(code="P-A", name="Batch release", process_type="core", owner=org.qm_a)
    at_a.sites.set([org.site_a])
    at_both = Process.objects.create(code="P-AB", name="Complaints", process_type="core", owner=org.qm_a)
    at_both.sites.set([org.site_a, org.site_b])
    at_b = Process.objects.create(code="P-B", name="Boston shipping", process_type="support", owner=org.qm_b)
    at_b.sites.set([org.site_b])

    people_a = map_people(org, org.site_a, "a")
    map_a = new_map(people_a.author, org.site_a, number="MAP-A-001")
    version_a = take_to_effective(people_a, map_a.versions.get())
    people_b = map_people(org, org.site_b, "b")
    map_b = new_map(people_b.author, org.site_b, number="MAP-B-001")
    take_to_effective(people_b, map_b.versions.get())

    assessment = gaps.assessment_create(
        actor=org.admin, title="Readiness A", sites=[org.site_a], standards=[std], lead_assessor=org.qm_a,
        planned_start=today - datetime.timedelta(days=10),
    )  # fmt: skip
    assessment = gaps.assessment_start(actor=org.admin, assessment=assessment)
    results = list(assessment.results.order_by("clause__position"))
    gaps.result_record(actor=org.qm_a, result=results[0], data={"status": "gap", "finding": "No context review"})
    gaps.result_record(actor=org.qm_a, result=results[1], data={"status": "partial", "finding": "Parties listed"})
    for result in results[2:]:
        gaps.result_record(actor=org.qm_a, result=result, data={"status": ResultStatus.CONFORMING})
    assessment = gaps.assessment_complete(actor=org.qm_a, assessment=assessment)
    certify(org, org.admin)
    gaps.assessment_approve(actor=org.admin, assessment=assessment, password=org.password, username="global_admin")
    campaign = gaps.assessment_create(
        actor=org.admin, title="Campaign AB", sites=[org.site_a, org.site_b], standards=[std],
        lead_assessor=org.qm_a, planned_start=today - datetime.timedelta(days=3),
    )  # fmt: skip
    at_b_only = gaps.assessment_create(
        actor=org.admin, title="Readiness B", sites=[org.site_b], standards=[std], lead_assessor=org.qm_b,
        planned_start=today - datetime.timedelta(days=10),
    )  # fmt: skip
    future = gaps.assessment_create(
        actor=org.admin, title="Readiness next year", sites=[org.site_a], standards=[std], lead_assessor=org.qm_a,
        planned_start=today + datetime.timedelta(days=200),
    )  # fmt: skip

    statement = applicability.statement_draft_create(actor=org.qm_a, site=org.site_a, standards=[std])
    excluded = statement.entries.order_by("clause__position").last()
    applicability.entry_update(actor=org.qm_a, entry=excluded, applicable=False, justification="No design at Basel")
    applicability.statement_approve(actor=org.qm_a, statement=statement, password=org.password, username="qm_a")
    certify(org, org.qm_b)
    statement_b = applicability.statement_draft_create(actor=org.qm_b, site=org.site_b, standards=[std])
    applicability.statement_approve(actor=org.qm_b, statement=statement_b, password=org.password, username="qm_b")
    return SimpleNamespace(
        at_a=at_a, at_both=at_both, at_b=at_b, version_a=version_a, map_b=map_b, assessment=assessment,
        results=results, campaign=campaign, at_b_only=at_b_only, future=future, statement=statement,
        excluded=excluded, statement_b=statement_b,
    )  # fmt: skip


def test_the_processes_section_shows_the_sites_register_maps_assessments_and_applicability(org, processes):
    scope = scope_for(org, "processes")
    keys = get_section("processes").parts(scope)
    assert keys == ["register0", "maps0", "diagrams0", "gaps0", "results0", "soa0"]
    assert_manifest_is_the_included_records("processes", scope)
    register, maps, diagrams, assessments, results, soa = (get_section("processes").render(scope, k) for k in keys)

    assert shown([register]) == ids("processes.process", processes.at_a, processes.at_both)
    assert "P-B" not in register.html and "SITEB" not in register.html  # the shared process shows site A only

    assert shown([maps]) == ids("documents.documentversion", processes.version_a)
    assert "MAP-A-001" in maps.html and "MAP-B-001" not in maps.html
    assert {r.version for r in maps.records} == {"1"}
    diagram = MapDiagram.objects.get(version=processes.version_a)
    assert shown([diagrams]) == ids("processes.mapdiagram", diagram)
    assert 'src="data:image/svg+xml;base64,' in diagrams.html

    assert shown([assessments]) == ids("processes.gapassessment", processes.assessment, processes.campaign)
    for absent in (processes.at_b_only, processes.future):
        assert absent.reference not in assessments.html
    row = re.search(re.escape(processes.assessment.reference) + r".*?</tr>", assessments.html, re.S).group(0)
    assert "3 conforming · 1 partial · 1 gap · 0 not applicable · 0 unanswered" in row
    assert re.search(f"Approved: {org.admin.display_name}, \\S+ \\S+ Europe/Zurich", row)  # the signature
    campaign = re.search(re.escape(processes.campaign.reference) + r".*?</tr>", assessments.html, re.S).group(0)
    assert "0 not applicable · 5 unanswered" in campaign and "SITEB" not in campaign  # site A's results only

    assert shown([results]) == ids("processes.clauseresult", *processes.results[:2])
    assert "No context review" in results.html and "Parties listed" in results.html

    assert shown([soa]) == ids("processes.applicabilitystatement", processes.statement) | ids(
        "processes.applicabilityentry", processes.excluded
    )
    assert "No design at Basel" in soa.html and "SITEB" not in soa.html


def test_the_process_register_is_cut_into_parts(org, monkeypatch):
    made = []
    for i in range(3):
        process = Process.objects.create(code=f"P-{i}", name=f"Process {i}", process_type="core", owner=org.qm_a)
        process.sites.set([org.site_a])
        made.append(process)
    monkeypatch.setattr(processes_evidence, "PER_PART", 2)
    scope = scope_for(org, "processes")
    assert [k for k in get_section("processes").parts(scope) if k.startswith("register")] == ["register0", "register1"]
    parts = rendered("processes", scope, prefix="register")
    assert [len(p.records) for p in parts] == [2, 1]
    assert shown(parts) == ids("processes.process", *made)


# --- the audit trail ----------------------------------------------------------------------------------------------


def capa_events(capa: Capa) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(model_label="capa.capa", object_pk=str(capa.pk)).order_by("id"))


def test_the_trail_extract_holds_the_events_of_the_records_the_pack_includes(org):
    capa = capa_at(org, title="Cold room alarm ignored")
    capa_services.capa_update(actor=org.qm_a, capa=capa, changes={"title": "Cold room alarm silenced"})
    action = capa_services.capa_action_add(
        actor=org.qm_a, capa=capa, kind="correction", title="Reinstall speaker", owner=org.emp_a,
        due_date=timezone.localdate(),
    )  # fmt: skip
    other_site = capa_at(org, site=org.site_b, title="Boston excursion")
    process = process_at(org, org.site_a)  # at the site, but no section of the pack shows processes
    # At the site and changed in the period, but opened long before it: not in the log, so not in the extract.
    old = capa_at(org, title="Freezer excursion of last year")
    Capa.objects.filter(pk=old.pk).update(opened_at=timezone.now() - datetime.timedelta(days=400))
    capa_services.capa_update(actor=org.qm_a, capa=Capa.objects.get(pk=old.pk), changes={"title": "Freezer, 2025"})
    assert capa_events(old)[-1].occurred_at.date() >= timezone.localdate() - datetime.timedelta(days=1)

    scope = scope_for(org, "capa", "trail")
    parts = rendered("trail", scope)
    assert shown(parts) == {("audit.auditevent", str(e.pk)) for e in capa_events(capa)}  # the log: the CAPA only
    with_file = scope_for(org, "capa", "trail", options={"capa.files": [capa.pk]})
    expected = capa_events(capa) + list(
        AuditEvent.objects.filter(model_label="capa.capaaction", object_pk=str(action.pk))
    )
    assert len(expected) >= 3
    parts = rendered("trail", with_file)  # the CAPA file holds its actions: their events too
    assert shown(parts) == {("audit.auditevent", str(e.pk)) for e in expected}
    for record in (r for part in parts for r in part.records):
        event = AuditEvent.objects.get(pk=record.pk)
        assert record.sha256 == event.row_hash and record.version == "1"
    html = text_of(parts)
    assert "Title: Cold room alarm ignored → Cold room alarm silenced" in html
    assert "Europe/Zurich" in html and "Z · " in html  # UTC and the site's wall clock
    assert other_site.reference not in html and process.code not in html and old.reference not in html

    with_processes = scope_for(org, "processes", "trail")
    labels = {e.model_label for e in AuditEvent.objects.filter(pk__in=[pk for _, pk in shown(rendered(
        "trail", with_processes))])}  # fmt: skip
    assert "processes.process_sites" in labels and not any(label.startswith("capa.") for label in labels)
    assert get_section("trail").parts(scope_for(org, "trail", "integrity")) == ["none"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    before = scope_for(org, "capa", "trail", start=yesterday - datetime.timedelta(days=30), end=yesterday)
    [empty] = rendered("trail", before)
    assert empty.records == [] and "No change" in empty.html


def test_the_trail_extract_is_cut_into_id_ranges(org, monkeypatch):
    capa = capa_at(org, title="Excursion 0")
    for i in range(1, 7):
        capa_services.capa_update(actor=org.qm_a, capa=capa, changes={"title": f"Excursion {i}"})
    scope = scope_for(org, "capa", "trail")
    [whole] = rendered("trail", scope)
    events = [int(r.pk) for r in whole.records]
    assert len(events) >= 7 and events == sorted(events)
    monkeypatch.setattr(trail_evidence, "TRAIL_EVENTS_PER_PART", 3)
    keys = get_section("trail").parts(scope)
    chunks = [events[i : i + 3] for i in range(0, len(events), 3)]
    assert keys == [f"{3 * i + 1}:{chunk[0]}-{chunk[-1]}" for i, chunk in enumerate(chunks)]
    parts = [get_section("trail").render(scope, key) for key in keys]
    assert [[int(r.pk) for r in p.records] for p in parts] == chunks
    assert parts[1].title == "Audit trail extract 4–6"


@pytest.mark.django_db(transaction=True)
def test_the_integrity_part_shows_the_latest_run_and_the_seal_chain_head(org):
    capa_at(org, title="Sealed excursion")
    run = None
    for _attempt in range(100):  # another database's open transaction may hold the sealing horizon back
        run = integrity_run(trigger="test")
        if AuditSeal.objects.exists():
            break
        time.sleep(0.2)
    seal = AuditSeal.objects.order_by("-id").first()
    assert seal is not None and run.ok
    run = IntegrityRun.objects.order_by("-id").first()
    [part] = rendered("integrity", scope_for(org, "integrity"))
    assert part.title == "Audit trail integrity"
    assert shown([part]) == ids("audit.integrityrun", run) | ids("audit.auditseal", seal)
    assert {r.sha256 for r in part.records} == {record_hash(run), record_hash(seal)}
    for value in (f"<td>{run.pk}</td>", "<td>test</td>", "<td>OK</td>", seal.hmac[:16], "Europe/Zurich"):
        assert value in part.html, value
    assert seal.hmac not in part.html  # shortened


# --- queries ------------------------------------------------------------------------------------------------------


def queries_of(code: str, scope: PackScope, key: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        get_section(code).render(scope, key)
    return len(queries.captured_queries)


def test_a_part_asks_as_many_queries_for_many_records_as_for_one(org):
    capa = capa_at(org, title="Excursion 0")
    first = Process.objects.create(code="P-0", name="Process 0", process_type="core", owner=org.qm_a)
    first.sites.set([org.site_a])
    scope = scope_for(org, "capa", "processes", "trail")
    trail_key = get_section("trail").parts(scope)[0]
    before = [queries_of("capa", scope, "log0"), queries_of("processes", scope, "register0"),
              queries_of("trail", scope, trail_key)]  # fmt: skip
    for i in range(1, 5):
        more = capa_at(org, title=f"Excursion {i}", owner=org.qm_a)
        capa_services.capa_update(actor=org.qm_a, capa=more, changes={"title": f"Excursion {i}b", "owner": org.emp_a})
        process = Process.objects.create(code=f"P-{i}", name=f"Process {i}", process_type="core", owner=org.emp_a)
        process.sites.set([org.site_a])
    capa_services.capa_update(actor=org.qm_a, capa=capa, changes={"title": "Excursion 0b"})
    [trail_key] = get_section("trail").parts(scope)
    after = [queries_of("capa", scope, "log0"), queries_of("processes", scope, "register0"),
             queries_of("trail", scope, trail_key)]  # fmt: skip
    assert after == before


# --- the parts as PDF ---------------------------------------------------------------------------------------------


def test_one_part_of_each_section_renders_to_a_pdf_holding_its_records(org, capas, audits):
    IntegrityRun.objects.create(trigger="beat", ok=True, events_checked=1234, seals_checked=5)
    scope = scope_for(
        org, "processes", "audits", "capa", "trail", "integrity", options={"capa.files": [capas.in_period.pk]}
    )
    process = process_at(org, org.site_a, code="P-PDF")
    checks = {
        ("processes", "register0"): [process.code, "SITEA"],
        ("audits", "audits0"): [audits.audit.reference, "Authored", audits.lead.last_name],
        ("audits", "findings0"): [audits.finding.reference, "Released", "Major"],
        ("capa", "log0"): [capas.in_period.reference, "Deviation"],
        ("capa", f"file{capas.in_period.pk}"): [capas.in_period.reference, "Reinstall", "Fishbone"],
        ("trail", get_section("trail").parts(scope)[0]): [capas.in_period.reference, "Europe/Zurich"],
        ("integrity", "latest"): ["1234", "beat"],
    }
    for (code, key), values in checks.items():
        section = get_section(code)
        part = section.render(scope, key)
        text = pdf_text(section.title, part.html)
        assert squeezed(section.title) in text
        for value in values:
            assert squeezed(value) in text, (code, key, value)
