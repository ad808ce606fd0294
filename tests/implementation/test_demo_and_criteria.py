"""The demo rollout (Basel live with its gate signed, Cork in progress, Raleigh and Singapore planned; seeding twice
adds nothing) and the registered criteria against the demo data of the apps that own it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from implementation import demo
from implementation.choices import PlanStatus, Readiness
from implementation.models import GoLiveGate, RolloutPlan, Waiver
from implementation.selectors import heatmap_rows
from ims.documents.demo import documents_demo_seed
from ims.esign.models import Signature
from ims.indicators.readiness import criteria_evaluate
from ims.org.demo import demo_seed as org_demo_seed
from ims.org.models import Person, Site
from processes import demo_gaps
from processes.library import standards_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_org(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    return {site.code: site for site in Site.objects.all()}


def test_demo_rollout_and_seeding_twice_changes_nothing(demo_org):
    assert demo.rollout_demo_seed() == "rollout plans: BSL, CRK, RDU, SIN"
    assert demo.rollout_demo_seed() == "rollout plans: none new"
    status = dict(RolloutPlan.objects.values_list("site__code", "status"))
    assert status == {"BSL": PlanStatus.LIVE, "CRK": PlanStatus.IN_PROGRESS, "RDU": PlanStatus.PLANNED,
                      "SIN": PlanStatus.PLANNED}  # fmt: skip
    gate = GoLiveGate.objects.get()
    assert gate.plan.site.code == "BSL" and gate.signed_by.username == "qm.basel"
    assert Signature.objects.filter(content_type__model="golivegate", object_pk=str(gate.pk)).count() == 1
    assert all(w.signed_by.username == "admin.global" for w in Waiver.objects.all())
    admin = Person.objects.get(username="admin.global")
    rows = {row.plan.site.code: row for row in heatmap_rows(user=admin)}
    assert rows["CRK"].cells[4].colour in (Readiness.AMBER, Readiness.RED)
    assert "training" in rows["CRK"].cells[4].detail.lower()
    assert rows["CRK"].cells[4].url.startswith(rows["CRK"].plan.get_absolute_url() + "#criterion-")
    assert rows["BSL"].plan.status == PlanStatus.LIVE


def test_gap_and_process_criteria_read_the_demo_gap_analysis(demo_org):
    documents_demo_seed()
    standards_load()
    demo_gaps.seed()
    ids = [demo_org["BSL"].pk, demo_org["CRK"].pk]
    values = criteria_evaluate(["gaps_assessed"], site_ids=ids, on=timezone.localdate())["gaps_assessed"]
    basel, cork = values[demo_org["BSL"].pk], values[demo_org["CRK"].pk]
    assert basel.passed and basel.value == 0 and "approved" in basel.detail
    assert not cork.passed and cork.value is None
    strict = criteria_evaluate(["gaps_assessed"], site_ids=ids, on=timezone.localdate() + timezone.timedelta(days=400),
                               thresholds={"gaps_assessed": 1})["gaps_assessed"]  # fmt: skip
    assert strict[demo_org["BSL"].pk].passed  # every demo gap has its action


def test_every_criterion_answers_for_every_site_with_a_reason(demo_org):
    from ims.indicators.readiness import criteria_all

    ids = [site.pk for site in demo_org.values()]
    keys = [c.key for c in criteria_all()]
    values = criteria_evaluate(keys, site_ids=ids, on=timezone.localdate())
    assert set(values) >= {"policy_acknowledged", "processes_mapped", "gaps_assessed", "training_compliance",
                           "manual_annex_effective", "first_audit_done"}  # fmt: skip
    for key, per_site in values.items():
        assert set(per_site) == set(ids), key
        assert all(v.detail and v.url for v in per_site.values()), key
        assert not any(v.passed for v in per_site.values()), key  # nothing seeded yet: nobody is ready


def test_policy_and_training_criteria_read_the_demo_records(demo_org):
    from policies.demo import acknowledgements_demo_seed
    from policies.models import Acknowledgement
    from training.demo import training_demo_seed

    documents_demo_seed()
    acknowledgements_demo_seed()
    training_demo_seed()
    basel = demo_org["BSL"].pk
    values = criteria_evaluate(["policy_acknowledged", "training_compliance"], site_ids=[basel],
                               on=timezone.localdate())  # fmt: skip
    policy = values["policy_acknowledged"][basel]
    tasks = Acknowledgement._base_manager.filter(
        site_id=basel, version__document__doc_type="policy", version__status="effective",
        status__in=["open", "acknowledged"],
    )  # fmt: skip
    done = tasks.filter(status="acknowledged").count()
    assert policy.value == round(100.0 * done / tasks.count(), 1)
    assert policy.passed == (policy.value >= 95.0)
    training = values["training_compliance"][basel]
    assert training.value is not None and training.passed == (training.value >= 90.0)
    assert "required trainings current" in training.detail


def test_scale_seed_makes_a_plan_per_scale_site_once(db):
    from implementation.scale import scale_rollout_seed
    from ims.org import services as org_services

    for n in range(3):
        org_services.site_create(code=f"SC{n:03d}", name=f"Scale {n}", country="CH", timezone="UTC")
    assert scale_rollout_seed("small", log=lambda _m: None).startswith("3 rollout plans with 90 tasks")
    assert "nothing changed" in scale_rollout_seed("small", log=lambda _m: None)
    plan = RolloutPlan.objects.first()
    assert plan.phases.count() == 6 and plan.criteria.filter(key="").count() == 2
