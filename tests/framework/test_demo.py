"""The demo's integrated procedures and monitoring plan: fewer procedures, each covering the three standards."""

from __future__ import annotations

import pytest

from ims.documents.choices import VersionStatus
from ims.documents.demo import documents_demo_seed
from ims.documents.models import ControlledDocument
from ims.org.demo import demo_seed as org_demo_seed
from ims.org.models import Person
from manual.framework.demo import framework_demo_seed
from manual.framework.matrix import matrix_compute
from manual.framework.models import MonitoringPlanItem, ProcedureRecord
from policies.demo import objectives_demo_seed, responsibilities_demo_seed
from processes import demo_library, demo_register
from processes.library import standards_load
from processes.models import Standard

pytestmark = pytest.mark.django_db


def test_the_demo_has_two_effective_integrated_procedures_and_a_plan(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    documents_demo_seed()
    objectives_demo_seed()
    responsibilities_demo_seed()
    standards_load()
    demo_library.seed()
    demo_register.seed()
    summary = framework_demo_seed()
    assert "SOP-IMS-010, SOP-IMS-020 created" in summary
    assert framework_demo_seed() == "Framework: integrated procedures present; monitoring plan present"
    for number in ("SOP-IMS-010", "SOP-IMS-020"):
        document = ControlledDocument.objects.get(number=number)
        assert document.versions.get().status == VersionStatus.EFFECTIVE
        assert sorted(document.disciplines) == ["environment", "ohs", "quality"]
        assert document.responsibilities.filter(assignment="A").count() == 1
        assert ProcedureRecord.objects.filter(document=document, is_active=True).count() == 3
    nc = ControlledDocument.objects.get(number="SOP-IMS-010")
    linked = {f"{link.clause.standard.code} {link.clause.number}" for link in nc.clause_links.all()}
    assert linked == {"ISO 9001 10.2", "ISO 14001 10.2", "ISO 45001 10.2", "ISO 13485 8.5.2",
                      "21 CFR Part 820 820.10(a)"}  # fmt: skip
    risk = ControlledDocument.objects.get(number="SOP-IMS-020")
    assert "ICH Q9 4" in {f"{link.clause.standard.code} {link.clause.number}" for link in risk.clause_links.all()}
    assert MonitoringPlanItem.objects.filter(is_active=True, objective__isnull=False).count() >= 5
    assert MonitoringPlanItem.objects.filter(process__code="QA-CAPA").exists()

    # The matrix of the three management-system standards shows the integrated procedures covering all three.
    admin = Person.objects.get(username="admin.global")
    three = list(Standard.objects.filter(code__in=["ISO 9001", "ISO 14001", "ISO 45001"]))
    matrix = matrix_compute(user=admin, standards=three)
    integrated = {procedure.number for procedure in matrix.integrated}
    assert {"SOP-IMS-010", "SOP-IMS-020"} <= integrated
    rows = {(row.standard.split(":")[0], row.number): row for row in matrix.rows}
    for code in ("ISO 9001", "ISO 14001", "ISO 45001"):
        assert nc.pk in rows[(code, "10.2")].direct and risk.pk in rows[(code, "6.1")].direct
        assert not rows[(code, "6.1.2")].gap  # covered through 6.1
