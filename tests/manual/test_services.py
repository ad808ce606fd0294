"""The manual's content rules: skeleton and copy forward, blocks that must point at visible records, the approval
check, the immutable snapshot, and "changed since approval"."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ims.documents import services as document_services
from ims.documents.choices import VersionStatus
from ims.esign.querysets import AppendOnlyViolation
from manual import selectors, services
from manual.choices import SectionSlot
from manual.models import ManualSection, ManualSnapshot, SectionBlock, SiteAnnex
from manual.rendering import render_live

from .conftest import approve, draft, fill_mandatory

pytestmark = pytest.mark.django_db


def test_a_new_manual_starts_with_the_mandatory_clauses_4_to_10(manual):
    sections = list(ManualSection.objects.filter(version=draft(manual)).order_by("order"))
    assert [s.slot for s in sections] == ["intro", "4", "5", "6", "7", "8", "9", "10"]
    assert [s.mandatory for s in sections] == [False] + [True] * 7
    assert "## 4 Context of the organization" in draft(manual).body


def test_sections_blocks_and_annexes_are_copied_forward_to_a_new_version(org, people, manual):
    version = draft(manual)
    fill_mandatory(org.admin, version)
    context = ManualSection.objects.get(version=version, slot=SectionSlot.CONTEXT)
    services.block_add(actor=org.admin, section=context, block_key="objectives")
    services.annex_save(actor=org.admin, version=version, site=org.site_a, data={"local_scope": "Basel plant"})
    approve(org, people, version)
    second = document_services.version_create(actor=org.admin, document=manual, change_summary="Yearly update")
    copied = ManualSection.objects.get(version=second, slot=SectionSlot.CONTEXT)
    assert copied.pk != context.pk and copied.body == context.body
    assert list(SectionBlock.objects.filter(section=copied).values_list("block_key", flat=True)) == ["objectives"]
    assert SiteAnnex.objects.get(version=second, site=org.site_a).local_scope == "Basel plant"
    assert second.body == version.body


def test_a_block_pointing_at_a_record_the_author_cannot_see_is_refused_and_nothing_saved(org, people, manual):
    version = draft(manual)
    section = ManualSection.objects.get(version=version, slot=SectionSlot.OPERATION)
    with pytest.raises(ValidationError, match="does not exist or you may not see it"):
        services.block_add(actor=org.admin, section=section, block_key="process_map", params={"process": 999999})
    with pytest.raises(ValidationError, match="no live block"):
        services.block_add(actor=org.admin, section=section, block_key="nope")
    assert not SectionBlock.objects.filter(section=section).exists()


def test_approving_with_an_empty_mandatory_section_is_refused(org, people, manual):
    version = draft(manual)
    fill_mandatory(org.admin, version)
    planning = ManualSection.objects.get(version=version, slot=SectionSlot.PLANNING)
    services.section_update(actor=org.admin, section=planning, data={"body": "  "})
    with pytest.raises(ValidationError, match="“6 Planning”"):
        approve(org, people, version)
    version.refresh_from_db()
    assert version.status == VersionStatus.IN_REVIEW
    assert not ManualSnapshot.objects.filter(version=version).exists()


def test_approval_writes_an_immutable_snapshot_and_the_effective_version_shows_it(org, people, manual):
    version = draft(manual)
    fill_mandatory(org.admin, version)
    approve(org, people, version)
    assert version.status == VersionStatus.EFFECTIVE
    snapshot = ManualSnapshot.objects.get(version=version)
    assert "Our approach to 4 Context of the organization." in snapshot.core_html
    assert len(snapshot.sha256) == 64
    snapshot.core_html = "tampered"
    with pytest.raises(AppendOnlyViolation):
        snapshot.save()
    with pytest.raises(AppendOnlyViolation):
        ManualSnapshot.objects.filter(pk=snapshot.pk).update(core_html="x")
    # Draft content can no longer change either.
    section = ManualSection.objects.filter(version=version).first()
    with pytest.raises(document_services.TransitionNotAllowed):
        services.section_update(actor=org.admin, section=section, data={"body": "changed"})
    shown = selectors.manual_rendered(version, user=org.admin)
    assert str(shown.core_html) == ManualSnapshot.objects.get(version=version).core_html


def test_a_draft_renders_live_blocks(org, people, manual):
    version = draft(manual)
    section = ManualSection.objects.get(version=version, slot=SectionSlot.LEADERSHIP)
    services.block_add(actor=org.admin, section=section, block_key="raci")
    rendered = render_live(version, user=org.admin)
    assert 'data-block="raci"' in rendered.core_html
    assert [t["title"] for t in rendered.toc][1] == "4 Context of the organization"
