"""``/api/v1/manual/``: sections, blocks and annexes of a draft (reason for change on updates), the snapshot, changed
since approval, PDF/DOCX (409 for a version that is not effective without draft=1), another site's annex 404, the
audit trail, and the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ims.audit.models import AuditEvent
from manual.choices import SectionSlot
from manual.models import ManualSection, SectionBlock, SiteAnnex

from .conftest import approve, draft, fill_mandatory

pytestmark = pytest.mark.django_db
REASON = "Clarified after the management review"


def etag(client, url) -> dict:
    return {"HTTP_IF_MATCH": client.get(url).headers["ETag"]}


def test_sections_blocks_and_annexes_through_the_api(org, people, manual, client_for):
    client = client_for(org.admin)
    version = draft(manual)
    listed = client.get(reverse("manual-section-list"), {"version": version.pk}).json()
    assert listed["count"] == 8
    context = ManualSection.objects.get(version=version, slot=SectionSlot.CONTEXT)
    url = reverse("manual-section-detail", args=[context.pk])
    no_reason = client.patch(url, {"body": "Text"}, content_type="application/json", **etag(client, url))
    assert no_reason.status_code == 400 and "change_reason" in no_reason.json()
    changed = client.patch(
        url, {"body": "Our context.", "change_reason": REASON}, content_type="application/json", **etag(client, url)
    )
    assert changed.status_code == 200, changed.json()
    assert AuditEvent.objects.filter(table_name="manual_manualsection", reason=REASON).exists()

    bad = client.post(
        reverse("manual-block-list"),
        {"section": context.pk, "block_key": "process_map", "params": {"process": 987654}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "may not see it" in str(bad.json())
    assert not SectionBlock.objects.filter(section=context).exists()
    good = client.post(
        reverse("manual-block-list"),
        {"section": context.pk, "block_key": "objectives"},
        content_type="application/json",
    )
    assert good.status_code == 201, good.json()

    annex = client.post(
        reverse("manual-annex-list"),
        {"version": version.pk, "site": org.site_a.code, "local_scope": "Basel API"},
        content_type="application/json",
    )
    assert annex.status_code == 201, annex.json()
    assert client.delete(reverse("manual-annex-detail", args=[annex.json()["id"]])).status_code == 405

    # A version that is not effective: no controlled copy without draft=1.
    pdf = reverse("manual-version-pdf", args=[version.pk])
    assert client.get(pdf).status_code == 409
    assert client.get(pdf, {"draft": "1"}).status_code == 200
    assert client.get(reverse("manual-version-snapshot", args=[version.pk])).status_code == 404


def test_snapshot_changes_and_files_of_the_effective_version(org, people, manual, client_for):
    version = draft(manual)
    fill_mandatory(org.admin, version)
    SiteAnnex.objects.create(version=version, site=org.site_a, local_scope="Basel")
    approve(org, people, version)
    client = client_for(org.qm_b)
    snapshot = client.get(reverse("manual-version-snapshot", args=[version.pk]))
    assert snapshot.status_code == 200 and len(snapshot.json()["sha256"]) == 64
    assert snapshot.json()["annexes"] == {}  # site A's annex is not for a site-B reader
    assert client.get(reverse("manual-version-changed-since-approval", args=[version.pk])).json() == []
    docx = client.get(reverse("manual-version-docx", args=[version.pk]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    annex = SiteAnnex.objects.get(version=version)
    assert client.get(reverse("manual-annex-detail", args=[annex.pk])).status_code == 404
    assert client.get(reverse("manual-version-pdf", args=[version.pk]), {"site": org.site_a.code}).status_code == 404
    section = ManualSection.objects.filter(version=version).first()
    url = reverse("manual-section-detail", args=[section.pk])
    client_admin = client_for(org.admin)
    frozen = client_admin.patch(
        url, {"body": "x", "change_reason": REASON}, content_type="application/json", **etag(client_admin, url)
    )
    assert frozen.status_code in (400, 409)


def test_the_manual_api_is_in_the_schema(client_for, org):
    schema = client_for(org.admin).get("/api/schema/").content.decode()
    for path in (
        "/api/v1/manual/sections/",
        "/api/v1/manual/versions/{id}/snapshot/",
        "/api/v1/manual/versions/{id}/pdf/",
    ):
        assert path in schema


def test_changed_since_approval_is_rendered_as_the_snapshot_was_and_only_for_maintainers(
    org, people, manual, client_for
):
    """A quality manager who sees one of the manual's two sites is not told that the other site's records vanished;
    a change at the other site is reported (the snapshot shows those records to every reader anyway). People who do
    not maintain the manual are not offered the comparison."""
    from decimal import Decimal

    from policies import services as policy_services
    from policies.choices import ObjectiveStatus

    from .conftest import in_days

    objectives = {
        site: policy_services.objective_create(
            actor=org.admin,
            title=f"Right first time {site.code}",
            kpi="Batches right first time",
            owner=org.admin,
            due_date=in_days(200),
            site=site,
            target=Decimal("98"),
            unit="%",
            status=ObjectiveStatus.ACTIVE,
        )  # fmt: skip
        for site in (org.site_a, org.site_b)
    }
    version = draft(manual)
    fill_mandatory(org.admin, version)
    planning = ManualSection.objects.get(version=version, slot=SectionSlot.PLANNING)
    from manual import services

    services.block_add(actor=org.admin, section=planning, block_key="objectives")
    # The approver is compliance officer at both sites: the snapshot shows both sites' objectives.
    from ims.org import services as org_services
    from ims.org.choices import RoleCode

    org_services.membership_create(
        person=people.approver, site=org.site_b, function=org.qa, role=org.roles[RoleCode.COMPLIANCE_OFFICER]
    )
    approve(org, people, version)
    url = reverse("manual-version-changed-since-approval", args=[version.pk])

    client_a = client_for(org.qm_a)
    assert client_a.get(url).json() == []
    assert client_for(org.emp_a).get(url).status_code == 403
    policy_services.objective_update(actor=org.admin, objective=objectives[org.site_b], data={"target": Decimal("99")})
    changed = client_a.get(url).json()
    assert [(c["kind"], c["label"]) for c in changed] == [("changed", f"Right first time {org.site_b.code}")]
    page = client_for(org.emp_a).get(reverse("manual:manual_detail", args=[manual.pk])).content.decode()
    assert "data-changed-since-approval" not in page


def test_sections_blocks_and_the_snapshot_of_another_sites_manual_are_404(org, people, client_for):
    """A manual of site A only: its sections, blocks, versions and snapshot do not exist for site B's people, in
    the lists or by id, and they cannot add to it."""
    from django.utils import timezone

    from manual import services

    manual_a = services.manual_create(
        actor=org.admin, number="IMS-MAN-BSL", title="Site A manual", owner=people.author, sites=[org.site_a],
        effective_date=timezone.localdate(),
    )  # fmt: skip
    version = draft(manual_a)
    fill_mandatory(org.admin, version)
    section = ManualSection.objects.filter(version=version).order_by("order").first()
    block = services.block_add(actor=org.admin, section=section, block_key="objectives")
    approve(org, people, version)

    client_b = client_for(org.qm_b)
    for name, pk in (
        ("manual-section-detail", section.pk),
        ("manual-block-detail", block.pk),
        ("manual-version-detail", version.pk),
        ("manual-version-snapshot", version.pk),
        ("manual-version-pdf", version.pk),
        ("manual-version-docx", version.pk),
        ("manual-version-changed-since-approval", version.pk),
        ("manual-manual-detail", manual_a.pk),
    ):
        assert client_b.get(reverse(name, args=[pk])).status_code == 404, name
    for name, pk in (
        ("manual-section-list", section.pk),
        ("manual-block-list", block.pk),
        ("manual-version-list", version.pk),
        ("manual-manual-list", manual_a.pk),
    ):
        assert pk not in {row["id"] for row in client_b.get(reverse(name)).json()["results"]}, name
    added = client_b.post(
        reverse("manual-block-list"),
        {"section": section.pk, "block_key": "objectives"},
        content_type="application/json",
    )
    assert added.status_code in (400, 404) and SectionBlock.objects.filter(section=section).count() == 1
    client_a = client_for(org.qm_a)
    assert client_a.get(reverse("manual-section-detail", args=[section.pk])).status_code == 200
    assert client_a.get(reverse("manual-version-snapshot", args=[version.pk])).status_code == 200
