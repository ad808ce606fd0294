"""The manual's pages, its isolation (another site's annex is 404), "changed since approval" after a policy change,
and the distribution of the effective manual for acknowledgement."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from ims.documents import services as document_services
from ims.documents.choices import DocumentType, VersionStatus
from manual import selectors, services
from manual.choices import SectionSlot
from manual.models import ManualSection, SectionBlock, SiteAnnex
from policies.models import Acknowledgement

from .conftest import approve, draft, fill_mandatory

pytestmark = pytest.mark.django_db


def policy(org, people, text="We commit to quality, the environment and safety."):
    document = document_services.document_create(
        actor=org.admin,
        number="POL-IMS-001",
        title="IMS policy",
        doc_type=DocumentType.POLICY,
        disciplines=["quality"],
        owner=org.admin,
        sites=[org.site_a, org.site_b],
        body=text,
        effective_date=timezone.localdate(),
        requires_acknowledgement=False,
    )
    approve(org, people, document.versions.get())
    return document


def test_changed_since_approval_lists_the_changed_policy_and_offers_a_new_draft(org, people, manual, client_for):
    pol = policy(org, people)
    version = draft(manual)
    fill_mandatory(org.admin, version)
    leadership = ManualSection.objects.get(version=version, slot=SectionSlot.LEADERSHIP)
    services.block_add(actor=org.admin, section=leadership, block_key="ims_policy")
    approve(org, people, version)
    assert selectors.changes_for(version, user=org.admin) == []
    snapshot_html = selectors.snapshot_of(version).core_html
    assert "We commit to quality" in snapshot_html

    second = document_services.version_create(
        actor=org.admin,
        document=pol,
        change_summary="Adds energy",
        body="We also commit to saving energy.",
        effective_date=timezone.localdate(),
    )
    approve(org, people, second)
    changes = selectors.changes_for(version, user=org.admin)
    assert [(c.kind, c.label) for c in changes] == [("changed", "POL-IMS-001 · IMS policy (v2)")]
    # The effective manual still shows what was approved.
    assert "We commit to quality" in str(selectors.manual_rendered(version, user=org.admin).core_html)

    client = client_for(org.admin)
    page = client.get(reverse("manual:manual_detail", args=[manual.pk]))
    assert page.status_code == 200
    content = page.content.decode()
    assert "data-changed-since-approval" in content and "POL-IMS-001 · IMS policy (v2)" in content
    assert "Start a new draft" in content
    started = client.post(reverse("manual:new_draft", args=[manual.pk]), {"change_summary": "Policy v2"})
    assert started.status_code == 302
    new = manual.versions.get(number=2)
    assert new.status == VersionStatus.DRAFT
    assert SectionBlock.objects.filter(section__version=new, block_key="ims_policy").exists()


def test_pages_answer_for_a_quality_manager(org, people, manual, client_for):
    version = draft(manual)
    services.annex_save(actor=org.admin, version=version, site=org.site_a, data={"local_scope": "Basel"})
    section = ManualSection.objects.get(version=version, slot=SectionSlot.CONTEXT)
    client = client_for(org.admin)
    for url in (
        reverse("manual:manual_list"),
        reverse("manual:manual_add"),
        reverse("manual:manual_detail", args=[manual.pk]),
        reverse("manual:section_editor", args=[version.pk]),
        reverse("manual:section_edit", args=[section.pk]),
        reverse("manual:manual_print", args=[version.pk]),
        reverse("manual:annex_edit", args=[version.pk, org.site_a.pk]),
        reverse("manual:annex_detail", args=[SiteAnnex.objects.get().pk]),
        reverse("manual:annex_list"),
        reverse("documents:version_detail", args=[version.pk]),  # the kernel's workflow page shows the manual
    ):
        assert client.get(url).status_code == 200, url
    edit = client.get(reverse("documents:version_edit", args=[version.pk]))
    assert edit.status_code == 302 and edit["Location"] == reverse("manual:section_editor", args=[version.pk])
    # A draft's PDF without asking for the watermark: refused with the reason, nothing issued.
    refused = client.get(reverse("manual:manual_pdf", args=[version.pk]))
    assert refused.status_code == 303
    draft_pdf = client.get(reverse("manual:manual_pdf", args=[version.pk]) + "?draft=1")
    assert draft_pdf.status_code == 200 and draft_pdf["Content-Type"] == "application/pdf"
    docx = client.get(reverse("manual:manual_docx", args=[version.pk]) + "?draft=1")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"


def test_the_section_editor_adds_moves_and_removes_and_refuses_invisible_records(org, people, manual, client_for):
    version = draft(manual)
    client = client_for(org.admin)
    url = reverse("manual:section_editor", args=[version.pk])
    client.post(url, {"action": "section_add", "slot": "annex", "title": "Glossary"})
    glossary = ManualSection.objects.get(version=version, title="Glossary")
    client.post(url, {"action": "section_up", "section": glossary.pk, "change_reason": "Glossary before 10"})
    glossary.refresh_from_db()
    assert (
        list(ManualSection.objects.filter(version=version).order_by("order").values_list("title", flat=True))[-2]
        == "Glossary"
    )
    page = client.post(
        url, {"action": "block_add", "section": glossary.pk, "block_key": "process_map", "param": "424242"}, follow=True
    )
    assert "does not exist or you may not see it" in page.content.decode()
    assert not SectionBlock.objects.filter(section=glossary).exists()
    client.post(url, {"action": "section_remove", "section": glossary.pk})  # no reason: refused
    glossary.refresh_from_db()
    assert glossary.is_active
    client.post(url, {"action": "section_remove", "section": glossary.pk, "change_reason": "Not needed"})
    glossary.refresh_from_db()
    assert not glossary.is_active
    assert "Glossary" not in draft(manual).body


def test_another_sites_annex_is_404_and_absent_from_the_manual(org, people, manual, client_for):
    version = draft(manual)
    annex_a = services.annex_save(actor=org.admin, version=version, site=org.site_a, data={"local_scope": "Basel only"})
    client_b = client_for(org.qm_b)
    assert client_b.get(reverse("manual:annex_detail", args=[annex_a.pk])).status_code == 404
    page = client_b.get(reverse("manual:manual_detail", args=[manual.pk]))
    assert page.status_code == 200 and "Basel only" not in page.content.decode()
    assert client_b.get(reverse("manual:manual_detail", args=[manual.pk]) + f"?site={org.site_a.pk}").status_code == 404
    assert client_b.get(reverse("manual:annex_edit", args=[version.pk, org.site_a.pk])).status_code in (403, 404)
    client_a = client_for(org.qm_a)
    assert client_a.get(reverse("manual:annex_detail", args=[annex_a.pk])).status_code == 200
    assert "Basel only" in client_a.get(reverse("manual:manual_detail", args=[manual.pk])).content.decode()


def test_an_effective_manual_is_distributed_for_acknowledgement(
    org, people, manual, django_capture_on_commit_callbacks
):
    version = draft(manual)
    fill_mandatory(org.admin, version)
    with django_capture_on_commit_callbacks(execute=True):
        approve(org, people, version)
    assert version.status == VersionStatus.EFFECTIVE
    people_asked = set(Acknowledgement.objects.filter(version=version).values_list("person__username", flat=True))
    assert {"emp_a", "emp_b", "qm_a", "qm_b"} <= people_asked
