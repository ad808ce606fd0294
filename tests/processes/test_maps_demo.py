"""The demo's process maps: ten BPMN maps written by us, effective through review and approval signatures,
seeded once (a second run changes nothing)."""

from __future__ import annotations

import pytest

from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import ControlledDocument
from ims.esign.selectors import signatures_for
from processes import demo_maps
from processes.models import MapDiagram

pytestmark = pytest.mark.django_db


def test_the_demo_maps_are_effective_signed_drawn_and_seeded_once(settings):
    from ims.org.demo import demo_seed

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_seed()
    first = demo_maps.seed()
    assert first == "process maps: 10 created, 0 kept"
    assert demo_maps.seed() == "process maps: 0 created, 10 kept"
    documents = ControlledDocument.objects.filter(doc_type=DocumentType.PROCESS_MAP)
    assert documents.count() == 10
    for document in documents:
        version = document.versions.get()
        assert version.status == VersionStatus.EFFECTIVE
        assert sorted(s.meaning for s in signatures_for(version)) == ["approved", "reviewed"]
        diagram = MapDiagram.objects.get(version=version)
        assert diagram.svg.startswith("<svg") and "<rect" in diagram.svg and len(diagram.steps) >= 6
    release = ControlledDocument.objects.get(number="MAP-COR-02")
    assert set(release.functions.values_list("name", flat=True)) == {"Quality Control", "Quality Assurance"}


def test_every_demo_process_gets_its_map(settings):
    """Seeded in the demo's order (register, then maps), each of the ten processes shows its own map."""
    from ims.documents.demo import documents_demo_seed
    from ims.org.demo import demo_seed
    from policies.demo import objectives_demo_seed
    from processes import demo_register
    from processes.models import Process

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_seed()
    documents_demo_seed()
    objectives_demo_seed()
    demo_register.seed()
    demo_maps.seed()
    processes = Process.objects.filter(code__in=demo_register.DEMO_PROCESS_CODES)
    assert processes.count() == 10
    assert dict(processes.values_list("code", "map_document__number")) == {
        process: f"MAP-{outline}" for outline, process in demo_maps.MAP_OF_PROCESS.items()
    }
