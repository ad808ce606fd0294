"""The scale seed's step-2 data (``seed_scale`` → ``ProcessesConfig.scale_seed`` → ``processes.scale``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ims.documents.choices import DocumentType, VersionStatus
from ims.documents.models import DocumentVersion
from ims.esign.canonical import record_hash
from ims.esign.integrity import signatures_verify
from ims.esign.models import Signature
from processes.bpmn import bpmn_parse
from processes.gaps import results_digest
from processes.models import (
    AssessmentStatus,
    Clause,
    ClauseResult,
    DocumentClause,
    GapAssessment,
    MapDiagram,
    Process,
    ProcessInteraction,
    Standard,
)
from processes.scale import PROCESSES_PER_SITE

pytestmark = pytest.mark.django_db


def test_seed_scale_small_creates_processes_maps_and_assessments_once():
    out = StringIO()
    call_command("seed_scale", "--size", "small", stdout=out)
    assert "Processes and gap analysis:" in out.getvalue()

    processes = Process.objects.filter(code__startswith="SCP-")
    assert processes.count() == 5 * PROCESSES_PER_SITE
    assert not processes.filter(map_document__isnull=True).exists()
    assert ProcessInteraction.objects.filter(source__in=processes).count() >= processes.count()
    assert DocumentClause.objects.exists()

    # Every map is effective, holds a BPMN model of about 50 KB that the app's own checks accept, and its diagram.
    versions = DocumentVersion.objects.filter(
        document__doc_type=DocumentType.PROCESS_MAP, document__number__contains="-MAP-"
    )
    assert versions.count() == processes.count()
    assert set(versions.values_list("status", flat=True)) == {VersionStatus.EFFECTIVE}
    sample = versions.first()
    assert 40_000 <= len(sample.body.encode()) <= 70_000
    parsed = bpmn_parse(sample.body)
    diagram = MapDiagram.objects.get(version=sample)
    assert diagram.steps == parsed.steps and diagram.bpmn_sha256 == parsed.sha256
    assert diagram.svg.startswith("<svg") and "<script" not in diagram.svg

    # One assessment per site, one result per leaf clause of every current standard, as the service creates them.
    assessments = GapAssessment.objects.filter(reference__startswith="SCGA-")
    assert assessments.count() == 5
    assert Standard.objects.get(code="SC-CORP-QMS").kind == "company"
    leaves = Clause.objects.filter(standard__in=Standard.objects.filter(is_active=True), children__isnull=True).count()
    for assessment in assessments:
        assert ClauseResult.objects.filter(assessment=assessment).count() == leaves >= 580  # ~600 each
        if assessment.status in (AssessmentStatus.COMPLETED, AssessmentStatus.APPROVED):
            assert assessment.results_digest == results_digest(assessment)
            assert not ClauseResult.objects.filter(assessment=assessment, status="").exists()
    approved = assessments.filter(status=AssessmentStatus.APPROVED)
    assert approved.exists()
    for assessment in approved:
        signature = Signature.objects.get(object_pk=str(assessment.pk), content_type__model="gapassessment")
        assert signature.record_hash == record_hash(assessment)
    assert signatures_verify() == []

    again = StringIO()
    call_command("seed_scale", "--size", "small", stdout=again)
    assert "scale processes already present; nothing changed" in again.getvalue()
    assert Process.objects.filter(code__startswith="SCP-").count() == 5 * PROCESSES_PER_SITE
