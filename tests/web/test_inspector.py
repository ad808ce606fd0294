"""The inspector's view: a read-only banner on every page (who granted access, which sites, until when), no
personal menus, and only released versions of documents (no drafts, nothing in review)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from ims.documents import services as doc_services
from ims.documents.choices import VersionStatus
from ims.org.models import Membership
from tests.policies.ack_factories import effective_policy

pytestmark = [pytest.mark.django_db, pytest.mark.req("P11-10d")]


@pytest.fixture
def documents(org, password_hash):
    version = effective_policy(password_hash, sites=[org.site_a], title="Site A quality policy")
    draft = doc_services.version_create(
        actor=version.author,
        document=version.document,
        change_summary="Internal rework not yet released",
        body="# Draft\n\nINTERNAL-DRAFT-TEXT",
        effective_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    return version, draft


def test_every_page_shows_the_read_only_banner_with_its_grant(org, client_for):
    membership = Membership.objects.get(person=org.inspector_a)
    Membership.objects.filter(pk=membership.pk).update(valid_to=datetime.date.today() + datetime.timedelta(days=14))
    client = client_for(org.inspector_a)
    for url in ("/", reverse("documents:document_list"), reverse("audit:trail")):
        page = client.get(url).content.decode()
        assert "data-inspector-banner" in page, url
        assert "Read-only inspector access." in page
        assert 'data-inspector-grant="SITEA"' in page and "Basel Plant" in page
        until = (datetime.date.today() + datetime.timedelta(days=14)).isoformat()
        assert f"until {until}" in page and "granted by" in page
    assert "data-inspector-banner" not in client_for(org.qm_a).get("/").content.decode()


def test_no_personal_menus(org, client_for):
    page = client_for(org.inspector_a).get("/").content.decode()
    for url_name in ("policies:my_tasks", "training:my_training", "training:session_checkin"):
        assert f'href="{reverse(url_name)}"' not in page, url_name
    employee_page = client_for(org.emp_a).get("/").content.decode()
    assert f'href="{reverse("policies:my_tasks")}"' in employee_page  # the control


def test_drafts_are_not_visible_to_an_inspector(org, client_for, documents):
    effective, draft = documents
    client = client_for(org.inspector_a)
    assert draft.status == VersionStatus.DRAFT
    assert client.get(reverse("documents:version_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("documents:version_detail", args=[effective.pk])).status_code == 200
    detail = client.get(reverse("documents:document_detail", args=[effective.document.pk])).content.decode()
    assert "INTERNAL-DRAFT-TEXT" not in detail and "Internal rework not yet released" not in detail
    api = client.get("/api/v1/documents/versions/").json()
    assert {row["id"] for row in api["results"]} == {effective.pk}
    # The quality manager still sees the draft.
    assert client_for(org.qm_a).get(reverse("documents:version_detail", args=[draft.pk])).status_code == 200
