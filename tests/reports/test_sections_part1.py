"""Evidence sections of document control, policies, acknowledgements, training and e-signatures.

Each section is given data at site A and site B, inside and outside the pack's period: a pack of site A shows
site A's records of the period only, its manifest names exactly the records shown, its attachments carry their
SHA-256, and a larger set is split into several parts.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from ims.documents import evidence as document_evidence
from ims.documents import services as doc_services
from ims.documents.choices import Discipline, DocumentType
from ims.esign import evidence as esign_evidence
from ims.esign.models import Signature, SignatureCertification
from ims.esign.services import certification_create
from ims.org import services as org_services
from ims.org.choices import RoleCode
from ims.org.models import Membership
from ims.reports.registry import PackScope, get_section
from ims.reports.render import html_to_pdf, part_document
from policies import distribution
from policies import evidence as policy_evidence
from policies.models import Acknowledgement, Distribution, Objective, ObjectiveReading
from tests.policies.ack_factories import PASSWORD, controllers, effective_policy, make_effective
from tests.policies.factories import ObjectiveFactory, ObjectiveReadingFactory
from tests.reports.included import assert_manifest_is_the_included_records
from tests.training.factories import course_at, require
from training import evidence as training_evidence
from training import services as training_services
from training.choices import TrainingMethod
from training.models import Assignment, TrainingRecord

pytestmark = pytest.mark.django_db


def today() -> datetime.date:
    return timezone.localdate()


def days(n: int) -> datetime.date:
    return today() + datetime.timedelta(days=n)


def scope_of(org, *sites, start=None, end=None, options=None) -> PackScope:
    """A pack of ``sites`` requested by site A's quality manager; by default its period holds today."""
    return PackScope(
        site_ids=tuple(site.pk for site in sites),
        period_start=start or days(-1),
        period_end=end or days(1),
        sections=(),
        viewer_id=org.qm_a.pk,
        options=options or {},
    )


def past_scope(org, *sites, **extra) -> PackScope:
    """A period that ended before anything of the test was recorded."""
    return scope_of(org, *sites, start=days(-40), end=days(-2), **extra)


def ids(part, label: str) -> set[int]:
    return {int(record.pk) for record in part.records if record.model == label}


def models_in(part) -> set[str]:
    return {record.model for record in part.records}


def render_all(code: str, scope: PackScope) -> list:
    section = get_section(code)
    return [section.render(scope, key) for key in section.parts(scope)]


def effective_document(password_hash, *, sites, number, doc_type=DocumentType.PROCEDURE, effective_date=None, body=""):
    """A document of ``sites`` whose version 1 is approved through the signed workflow (effective when its date has
    come: today by default)."""
    author, _reviewer, _approver = controllers(password_hash)
    document = doc_services.document_create(
        actor=author,
        number=number,
        title=f"Title of {number}",
        doc_type=doc_type,
        disciplines=[Discipline.QUALITY],
        owner=author,
        sites=sites,
        body=body or f"# Purpose of {number}\n\nThe text of {number}.",
        effective_date=effective_date or today(),
    )
    return make_effective(document.versions.get(number=1), password_hash)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


# --- Document register --------------------------------------------------------------------------------------------


@pytest.fixture
def documents(org, password_hash):
    at_a = effective_document(password_hash, sites=[org.site_a], number="SOP-A-001")
    revised = doc_services.version_create(
        actor=at_a.author,
        document=at_a.document,
        body="# Purpose\n\nRevised.",
        change_summary="Revised",
        effective_date=today(),
    )
    revised = make_effective(revised, password_hash)  # v1 superseded today: both were in force today
    both = effective_document(password_hash, sites=[org.site_a, org.site_b], number="SOP-AB/002")
    at_b = effective_document(password_hash, sites=[org.site_b], number="SOP-B-003")
    planned = effective_document(password_hash, sites=[org.site_a], number="SOP-A-004", effective_date=days(7))
    return {"v1": at_a, "v2": revised, "both": both, "at_b": at_b, "planned": planned}


def test_document_register_shows_the_versions_in_force_at_the_sites_with_their_controlled_copies(org, documents):
    v1, v2, both = documents["v1"], documents["v2"], documents["both"]
    assert documents["planned"].status == "approved"  # approved, effective in a week: not in force yet
    scope = scope_of(org, org.site_a)
    section = get_section("documents")
    assert section.parts(scope) == ["0"]
    assert_manifest_is_the_included_records("documents", scope)

    part = section.render(scope, "0")

    shown = {v1.pk, v2.pk, both.pk}
    assert ids(part, "documents.documentversion") == shown
    assert ids(part, "documents.controlleddocument") == {v1.document_id, both.document_id}
    assert models_in(part) == {"documents.documentversion", "documents.controlleddocument"}
    versions = {r.pk: r.version for r in part.records if r.model == "documents.documentversion"}
    assert versions == {str(v1.pk): "1", str(v2.pk): "2", str(both.pk): "1"}
    assert "SOP-A-001" in part.html and "SOP-AB/002" in part.html
    assert "SOP-B-003" not in part.html and "SOP-A-004" not in part.html
    assert "SITEB" not in part.html  # the shared document lists the pack's sites only
    assert "Superseded" in part.html and "Effective" in part.html
    assert "Doc_approver Controller" in part.html and "Europe/Zurich" in part.html

    assert {a.name for a in part.attachments} == {
        "documents/SOP-A-001-v1.pdf",
        "documents/SOP-A-001-v2.pdf",
        "documents/SOP-AB_002-v1.pdf",
    }
    assert {a.source for a in part.attachments} == {f"documents.documentversion:{pk}" for pk in shown}
    for item in part.attachments:
        assert item.data.startswith(b"%PDF")
        assert item.sha256 == hashlib.sha256(item.data).hexdigest()
    copy = next(a for a in part.attachments if a.name == "documents/SOP-A-001-v2.pdf")
    assert "Revised." in pdf_text(copy.data)


def test_document_register_of_another_period_or_site(org, documents):
    past = get_section("documents").render(past_scope(org, org.site_a), "0")
    assert past.records == [] and past.attachments == []
    assert "SOP-A-001" not in past.html

    at_b = get_section("documents").render(scope_of(org, org.site_b), "0")
    assert ids(at_b, "documents.documentversion") == {documents["both"].pk, documents["at_b"].pk}


def test_document_register_parts_hold_a_bounded_number_of_copies(org, documents, monkeypatch):
    monkeypatch.setattr(document_evidence, "VERSIONS_PER_PART", 2)
    scope = scope_of(org, org.site_a)
    section = get_section("documents")
    keys = section.parts(scope)
    assert keys == ["0", "1"]
    parts = [section.render(scope, key) for key in keys]
    first, second = (ids(p, "documents.documentversion") for p in parts)
    assert len(first) == 2 and len(second) == 1 and not first & second
    assert first | second == {documents["v1"].pk, documents["v2"].pk, documents["both"].pk}
    assert [len(p.attachments) for p in parts] == [2, 1]
    assert parts[0].title == "Document register 1–2" and parts[1].title == "Document register 3–3"


# --- IMS policy and objectives -----------------------------------------------------------------------------------


@pytest.fixture
def policy_data(org, password_hash):
    body = "# Our quality commitment\n\nWe deliver safe products, **every batch**, and improve continually."
    policy_a = effective_policy(password_hash, sites=[org.site_a], number="POL-A-1", body=body)
    policy_b = effective_policy(password_hash, sites=[org.site_b], number="POL-B-1")
    procedure = effective_document(password_hash, sites=[org.site_a], number="SOP-A-900")
    company = ObjectiveFactory(site=None, owner=org.admin, title="Company objective", kpi="Complaints per million")
    running = ObjectiveFactory(
        site=org.site_a, parent=company, owner=org.qm_a, title="Site A objective", target=Decimal("97.5")
    )
    ended = ObjectiveFactory(
        site=org.site_a,
        owner=org.qm_a,
        title="Site A objective of last year",
        start_date=days(-400),
        due_date=days(-50),
    )
    at_b = ObjectiveFactory(site=org.site_b, owner=org.qm_b, title="Site B objective")
    in_period = ObjectiveReadingFactory(objective=running, period_end=today(), value=Decimal("96.25"))
    older = ObjectiveReadingFactory(objective=running, period_end=days(-10), value=Decimal("90"))
    return locals()


def test_policy_section_shows_the_policies_in_force_and_the_objectives_of_the_sites(org, policy_data):
    data = policy_data
    scope = scope_of(org, org.site_a)
    section = get_section("policy")
    assert section.parts(scope) == ["policies-0", "objectives-0"]
    assert_manifest_is_the_included_records("policy", scope)

    policies = section.render(scope, "policies-0")
    assert ids(policies, "documents.documentversion") == {data["policy_a"].pk}
    assert ids(policies, "documents.controlleddocument") == {data["policy_a"].document_id}
    assert "POL-A-1" in policies.html and "POL-B-1" not in policies.html and "SOP-A-900" not in policies.html
    assert "Our quality commitment" in policies.html
    assert "We deliver safe products, every batch, and improve continually." in policies.html
    assert "Doc_reviewer Controller" in policies.html and "Reviewed" in policies.html
    assert "Europe/Zurich" in policies.html

    objectives = section.render(scope, "objectives-0")
    assert ids(objectives, "policies.objective") == {data["company"].pk, data["running"].pk}
    assert ids(objectives, "policies.objectivereading") == {data["in_period"].pk}
    assert models_in(objectives) == {"policies.objective", "policies.objectivereading"}
    html = objectives.html
    assert html.index("Company objective") < html.index("Site A objective")  # cascade order: company first
    assert "96.25 % (" in html and "≥ 97.5 %" in html
    assert "Site B objective" not in html and "of last year" not in html


def test_policy_section_of_a_past_period(org, policy_data):
    scope = past_scope(org, org.site_a)
    policies = get_section("policy").render(scope, "policies-0")
    assert policies.records == [] and "POL-A-1" not in policies.html
    objectives = get_section("policy").render(scope, "objectives-0")
    # the objectives ran then too (started 180 days ago); the only reading of that period is the older one
    assert ids(objectives, "policies.objectivereading") == {policy_data["older"].pk}


def test_policy_section_pages_policies_and_objectives(org, policy_data, password_hash, monkeypatch):
    effective_policy(password_hash, sites=[org.site_a], number="POL-A-2")
    monkeypatch.setattr(policy_evidence, "POLICIES_PER_PART", 1)
    monkeypatch.setattr(policy_evidence, "OBJECTIVES_PER_PART", 1)
    scope = scope_of(org, org.site_a)
    keys = get_section("policy").parts(scope)
    assert keys == ["policies-0", "policies-1", "objectives-0", "objectives-1"]
    parts = [get_section("policy").render(scope, key) for key in keys]
    assert [len(ids(p, "documents.documentversion")) for p in parts[:2]] == [1, 1]
    assert ids(parts[2], "policies.objective") | ids(parts[3], "policies.objective") == {
        policy_data["company"].pk,
        policy_data["running"].pk,
    }


def test_an_external_inspector_reads_company_objectives_only_under_a_grant_of_the_policy_section(org, policy_data):
    from ims.access.choices import Agency
    from ims.access.inspection import grant_create
    from ims.org.models import Person

    company_now = ObjectiveReadingFactory(objective=policy_data["company"], period_end=days(-5))
    ObjectiveReadingFactory(objective=policy_data["company"], period_end=days(-100))  # before the grant's period
    inspector = org_services.person_create(
        username="fiona_drake", employee_id="FIONA", first_name="Fiona", last_name="Drake", email="f@fda.example"
    )
    now = timezone.now()

    def grant(section):
        grant_create(
            actor=org.qm_a,
            inspector=inspector,
            sites=[org.site_a],
            sections=[section],
            records_from=days(-30),
            records_to=today(),
            valid_from=now - datetime.timedelta(minutes=1),
            valid_until=now + datetime.timedelta(days=5),
            agency=Agency.FDA,
            reference="Pre-approval inspection",
        )
        return Person.objects.get(pk=inspector.pk)  # a fresh copy: the grants are read once per person object

    reader = grant("training")
    assert not Objective.objects.restrict(reader, "view").exists()
    assert not ObjectiveReading.objects.restrict(reader, "view").exists()

    reader = grant("policy")
    data = policy_data
    site_a = {data["running"].pk, data["ended"].pk}
    assert set(Objective.objects.restrict(reader, "view").values_list("pk", flat=True)) == {data["company"].pk, *site_a}
    assert set(ObjectiveReading.objects.restrict(reader, "view").values_list("pk", flat=True)) == {
        data["in_period"].pk,
        data["older"].pk,
        company_now.pk,
    }


# --- Acknowledgement coverage ------------------------------------------------------------------------------------


@pytest.fixture
def acknowledged(org, password_hash):
    version = effective_policy(password_hash, sites=[org.site_a, org.site_b], number="POL-ACK-1")
    certification_create(person=org.emp_a, password=PASSWORD, username="emp_a", session={})
    task = Acknowledgement.objects.get(version=version, person=org.emp_a)
    task = distribution.acknowledgement_open(actor=org.emp_a, acknowledgement=task)
    distribution.acknowledgement_sign(actor=org.emp_a, acknowledgement=task, password=PASSWORD, username="emp_a")
    return version


def test_acknowledgement_coverage_and_tasks_of_the_site(org, acknowledged):
    scope = scope_of(org, org.site_a)
    section = get_section("acknowledgements")
    assert section.parts(scope) == ["coverage-0", "acknowledgements-0"]
    assert_manifest_is_the_included_records("acknowledgements", scope)

    coverage = section.render(scope, "coverage-0")
    assert ids(coverage, "policies.distribution") == {Distribution.objects.get(version=acknowledged).pk}
    assert models_in(coverage) == {"policies.distribution"}
    row = re.search(r"<tr><td>POL-ACK-1 v1</td>.*?</tr>", coverage.html, re.S).group(0)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    # site, in scope (qm_a, emp_a, global_admin), acknowledged, read not signed, not started, overdue, %
    assert cells[2:] == ["SITEA", "3", "1", "0", "2", "0", "33.3 %"]
    assert "SITEB" not in coverage.html

    tasks = section.render(scope, "acknowledgements-0")
    at_a = set(Acknowledgement.objects.filter(version=acknowledged, site=org.site_a).values_list("pk", flat=True))
    assert len(at_a) == 3
    assert ids(tasks, "policies.acknowledgement") == at_a
    assert models_in(tasks) == {"policies.acknowledgement"}
    signed = Acknowledgement.objects.get(version=acknowledged, person=org.emp_a)
    assert "Emp A · Acknowledged" in tasks.html
    assert (
        signed.acknowledged_at.astimezone(org.site_a.tzinfo).strftime("%Y-%m-%d %H:%M:%S Europe/Zurich") in tasks.html
    )
    assert "Emp B" not in tasks.html and "Not started" in tasks.html


def test_acknowledgements_of_a_past_period(org, acknowledged):
    scope = past_scope(org, org.site_a)
    coverage = get_section("acknowledgements").render(scope, "coverage-0")
    tasks = get_section("acknowledgements").render(scope, "acknowledgements-0")
    assert coverage.records == [] and "POL-ACK-1" not in coverage.html  # distributed after that period
    assert tasks.records == [] and "Emp A" not in tasks.html


def test_acknowledgements_are_paged(org, acknowledged, monkeypatch):
    monkeypatch.setattr(policy_evidence, "TASKS_PER_PART", 2)
    scope = scope_of(org, org.site_a, org.site_b)
    keys = get_section("acknowledgements").parts(scope)
    assert keys == ["coverage-0", "acknowledgements-0", "acknowledgements-1", "acknowledgements-2"]
    shown = [ids(get_section("acknowledgements").render(scope, key), "policies.acknowledgement") for key in keys[1:]]
    assert [len(s) for s in shown] == [2, 2, 1]
    assert set().union(*shown) == set(Acknowledgement.objects.filter(version=acknowledged).values_list("pk", flat=True))


# --- Training matrix and records ---------------------------------------------------------------------------------


@pytest.fixture
def trained(org):
    """A course required at both sites; emp_a trained today, qm_a 20 days ago (at site A), emp_b today (site B)."""
    for person in (org.emp_a, org.qm_a, org.emp_b):
        certification_create(person=person, password=PASSWORD, username=person.username, session={})
    course = course_at(org.site_a, org.site_b, code="GMP-1", title="GMP basics")
    require(org.site_a, course)
    require(org.site_b, course)

    def complete(person, on):
        assignment = Assignment.objects.get(person=person, course=course, status="open")
        return training_services.record_create_signed(
            actor=person,
            assignment=assignment,
            method=TrainingMethod.SELF_STUDY,
            password=PASSWORD,
            username=person.username,
            completed_on=on,
        )

    return {
        "course": course,
        "emp_a": complete(org.emp_a, today()),
        "qm_a": complete(org.qm_a, days(-20)),
        "emp_b": complete(org.emp_b, today()),
    }


def test_training_section_shows_the_site_matrix_and_the_records_of_the_period(org, trained):
    scope = scope_of(org, org.site_a)
    section = get_section("training")
    assert section.parts(scope) == ["summary", "records-0"]
    assert_manifest_is_the_included_records("training", scope)

    summary = section.render(scope, "summary")
    assert summary.records == []
    row = re.search(r"<tr><td>SITEA</td>.*?</tr>", summary.html, re.S).group(0)
    # requirements, assignments due in the period (none: due in 30 days), completed, overdue, records in period,
    # compliance now: qm_a and emp_a current of the three required (with global_admin)
    assert re.findall(r"<td[^>]*>(.*?)</td>", row)[1:] == ["1", "0", "0", "0", "1", "66.7 % (2 of 3)"]
    assert "SITEB" not in summary.html

    records = section.render(scope, "records-0")
    assert ids(records, "training.trainingrecord") == {trained["emp_a"].pk}
    assert models_in(records) == {"training.trainingrecord"}
    signature = trained["emp_a"].signature
    assert "GMP-1 · GMP basics" in records.html and "Emp A" in records.html
    assert f"Emp A · Trained · {signature.signed_at.astimezone(org.site_a.tzinfo):%Y-%m-%d %H:%M:%S} Europe/Zurich" in (
        records.html
    )
    assert "Qm A" not in records.html and "Emp B" not in records.html


def test_training_records_narrowed_to_people_and_courses(org, trained):
    month = {"start": days(-30), "end": days(1)}
    section = get_section("training")
    everyone = section.render(scope_of(org, org.site_a, **month), "records-0")
    assert ids(everyone, "training.trainingrecord") == {trained["emp_a"].pk, trained["qm_a"].pk}
    qm_only = scope_of(org, org.site_a, options={"training.people": [org.qm_a.pk]}, **month)
    assert ids(section.render(qm_only, "records-0"), "training.trainingrecord") == {trained["qm_a"].pk}
    other_course = course_at(org.site_a, code="OTHER-1")
    none = scope_of(org, org.site_a, options={"training.courses": [other_course.pk]}, **month)
    assert section.render(none, "records-0").records == []
    past = section.render(past_scope(org, org.site_a), "records-0")  # qm_a's record is 20 days old: in it
    assert ids(past, "training.trainingrecord") == {trained["qm_a"].pk}


def test_training_records_are_paged(org, trained, monkeypatch):
    monkeypatch.setattr(training_evidence, "RECORDS_PER_PART", 1)
    scope = scope_of(org, org.site_a, org.site_b, start=days(-30))
    keys = get_section("training").parts(scope)
    assert keys == ["summary", "records-0", "records-1", "records-2"]
    shown = [ids(get_section("training").render(scope, key), "training.trainingrecord") for key in keys[1:]]
    assert [len(s) for s in shown] == [1, 1, 1]
    assert set().union(*shown) == set(TrainingRecord.objects.values_list("pk", flat=True))


def test_training_records_part_reads_a_fixed_number_of_queries(org, trained):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    section = get_section("training")
    one = scope_of(org, org.site_a)
    three = scope_of(org, org.site_a, org.site_b, start=days(-30))
    with CaptureQueriesContext(connection) as few:
        section.render(one, "records-0")
    with CaptureQueriesContext(connection) as more:
        assert len(section.render(three, "records-0").records) == 3
    assert len(more.captured_queries) == len(few.captured_queries)


# --- E-signature register ----------------------------------------------------------------------------------------


@pytest.fixture
def signatures(org, acknowledged):
    """emp_a certified and acknowledged a policy (site A); emp_b certifies (site B); the controllers, with no site,
    signed the policy's review and approval."""
    certification_create(person=org.emp_b, password=PASSWORD, username="emp_b", session={})
    return Signature.objects.all()


def test_signature_register_shows_the_signatures_of_the_sites_people(org, signatures, acknowledged):
    scope = scope_of(org, org.site_a)
    section = get_section("signatures")
    assert section.parts(scope) == ["0"]
    assert_manifest_is_the_included_records("signatures", scope)
    part = section.render(scope, "0")

    by_emp_a = set(Signature.objects.filter(signer=org.emp_a).values_list("pk", flat=True))
    assert len(by_emp_a) == 2  # the certification and the acknowledgement
    assert ids(part, "esign.signature") == by_emp_a
    certification = SignatureCertification.objects.get(person=org.emp_a)
    assert ids(part, "esign.signaturecertification") == {certification.pk}
    assert models_in(part) == {"esign.signature", "esign.signaturecertification"}

    acknowledgement = Signature.objects.get(
        signer=org.emp_a, meaning="acknowledged", content_type__model="acknowledgement"
    )
    task = Acknowledgement.objects.get(signature=acknowledgement)
    assert f"Acknowledgement: {task}" in part.html
    assert acknowledgement.record_hash[:12] in part.html
    assert f"{acknowledgement.signed_at.astimezone(org.site_a.tzinfo):%Y-%m-%d %H:%M:%S} Europe/Zurich" in part.html
    assert "E-signature certification: Emp A — statement v1" in part.html
    assert "Emp B" not in part.html and "Controller" not in part.html


def test_signature_register_of_a_past_period_or_of_a_signer_who_joins_the_site_later(org, signatures):
    assert get_section("signatures").render(past_scope(org, org.site_a), "0").records == []
    # emp_b joins site A tomorrow: today's signature belongs to site B, not to site A
    org_services.membership_create(
        person=org.emp_b, site=org.site_a, function=org.qa, role=org.roles[RoleCode.EMPLOYEE], valid_from=days(1)
    )
    assert Membership.objects.filter(person=org.emp_b, site=org.site_a).exists()
    assert ids(get_section("signatures").render(scope_of(org, org.site_a), "0"), "esign.signature") == set(
        Signature.objects.filter(signer=org.emp_a).values_list("pk", flat=True)
    )
    at_b = get_section("signatures").render(scope_of(org, org.site_b), "0")
    assert ids(at_b, "esign.signature") == set(Signature.objects.filter(signer=org.emp_b).values_list("pk", flat=True))
    assert "America/New_York" in at_b.html


def test_signature_register_is_paged(org, signatures, monkeypatch):
    monkeypatch.setattr(esign_evidence, "SIGNATURES_PER_PART", 1)
    scope = scope_of(org, org.site_a, org.site_b)
    keys = get_section("signatures").parts(scope)
    assert keys == ["0", "1", "2"]
    shown = [ids(get_section("signatures").render(scope, key), "esign.signature") for key in keys]
    assert set().union(*shown) == set(
        Signature.objects.filter(signer__in=[org.emp_a, org.emp_b]).values_list("pk", flat=True)
    )


# --- Registration and PDF ----------------------------------------------------------------------------------------


def test_sections_declare_their_models_periods_options_and_pages():
    from django.apps import apps
    from django.urls import reverse

    for code in ("documents", "policy", "acknowledgements", "training", "signatures"):
        section = get_section(code)
        for label in section.models:
            apps.get_model(label)
        for label, lookup in section.period_lookups.items():
            assert label in section.models
            model = apps.get_model(label)
            field = None
            for name in lookup.split("__"):
                field = model._meta.get_field(name)
                model = field.related_model or model
            assert not field.null, f"{label}.{lookup} may be null"
        for _label, name in section.pages:
            reverse(name)
    assert get_section("training").option_labels == {"training.people": "People", "training.courses": "Courses"}
    assert "training.trainingrecord" in get_section("training").models
    assert {"esign.signature", "esign.signaturecertification"} <= set(get_section("signatures").models)


def test_one_part_of_each_section_renders_to_a_pdf_with_its_records(org, documents, policy_data, trained):
    scope = scope_of(org, org.site_a)
    expected = {
        ("documents", "0"): ["SOP-A-001", "Doc_approver Controller"],
        ("policy", "policies-0"): ["POL-A-1", "Our quality commitment"],
        ("policy", "objectives-0"): ["Site A objective", "96.25"],
        ("acknowledgements", "acknowledgements-0"): ["POL-A-1 v1", "Qm A (QM_A)"],
        ("training", "records-0"): ["GMP-1 · GMP basics", "Emp A"],
        ("signatures", "0"): ["Emp A", "Trained"],
    }
    for (code, key), needles in expected.items():
        section = get_section(code)
        part = section.render(scope, key)
        pdf = html_to_pdf(part_document(section_title=section.title, body=part.html, first_part=True))
        text = "".join(pdf_text(pdf).split())  # a table cell may wrap at any space or hyphen
        assert section.title.replace(" ", "") in text
        for needle in needles:
            assert needle.replace(" ", "") in text, (code, key, needle)
