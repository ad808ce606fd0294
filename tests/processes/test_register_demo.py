"""The demo company's process register: ten processes with SIPOC, owners, sites, clauses and interactions."""

from __future__ import annotations

import pytest

from ims.documents.demo import documents_demo_seed
from ims.org.demo import demo_seed as org_demo_seed
from policies.demo import objectives_demo_seed
from processes import demo_register
from processes.library import standards_load
from processes.models import Process, ProcessInteraction, ProcessType

pytestmark = pytest.mark.django_db


def test_the_demo_register_is_complete_and_seeding_twice_changes_nothing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org_demo_seed()
    documents_demo_seed()
    objectives_demo_seed()
    standards_load()
    assert demo_register.seed() == "10 processes, 14 process interactions"
    assert demo_register.seed() == ""
    assert Process.objects.count() == 10 and ProcessInteraction.objects.filter(is_active=True).count() == 14
    assert set(Process.objects.values_list("code", flat=True)) == set(demo_register.DEMO_PROCESS_CODES)
    assert {p.process_type for p in Process.objects.all()} == set(ProcessType.values)
    for process in Process.objects.prefetch_related("sites", "functions", "clauses"):
        assert process.sites.exists() and process.functions.exists() and process.clauses.exists(), process.code
        assert process.inputs and process.outputs and process.suppliers and process.customers, process.code
        name, lanes = demo_register.DEMO_PROCESS_CODES[process.code]
        assert name == process.name and set(lanes) == {f.name for f in process.functions.all()}, process.code
    review = Process.objects.get(code="MGT-REVIEW")
    assert {f"{c.standard.code} {c.number}" for c in review.clauses.all()} >= {
        "ISO 9001 9.3", "ISO 14001 9.3", "ISO 45001 9.3", "ISO 13485 5.6",
    }  # fmt: skip
    assert Process.objects.get(code="QA-CAPA").documents.filter(number="SOP-QA-001").exists()
    assert Process.objects.get(code="QC-REL").objectives.exists()
    assert Process.objects.get(code="EHS-ENV").sites.filter(code="BSL").exists()
