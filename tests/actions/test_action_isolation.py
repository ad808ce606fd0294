"""Site isolation of tracked actions through the generic kit, and the registry of action kinds."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ims.actions import registry
from ims.actions.models import Action, ActionStatus
from ims.actions.services import action_create
from ims.testing.kit import ScopedModelCase, SiteIsolationTests


def action_at(site) -> Action:
    ref = action_create(actor=None, source=None, title="Write the issues register", site=site)
    return Action.objects.get(reference=ref.reference)


class TestActionIsolation(SiteIsolationTests):
    case = ScopedModelCase(
        model=Action,
        create=action_at,
        list_url="actions:action_list",
        detail_url="actions:action_detail",
        edit_url="actions:action_edit",
        edit_data=lambda action: {"title": "Changed title", "description": "", "status": ActionStatus.OPEN},
        api="action",
        api_change=lambda action: {"title": "Changed title"},
        deactivate_url="actions:action_cancel",
    )


@pytest.mark.django_db
def test_an_app_registers_a_kind_and_raising_it_calls_its_handler(org):
    calls = []

    def create(**kwargs):
        calls.append(kwargs)
        return registry.ActionRef(kind="capa-test", reference="CAPA-1")

    registry.action_kind_register("capa-test", "CAPA (test)", create=create, url=lambda ref: f"/capa/{ref}/")
    try:
        ref = registry.action_raise("capa-test", actor=org.qm_a, source=org.site_a, title=" Fix it ", site=org.site_a)
        assert ref.reference == "CAPA-1" and calls[0]["title"] == "Fix it" and calls[0]["site"] == org.site_a
        assert registry.action_url("capa-test", "CAPA-1") == "/capa/CAPA-1/"
        assert [k.key for k in registry.action_kinds()][0] == registry.DEFAULT_KIND
    finally:
        registry._kinds.pop("capa-test", None)
    with pytest.raises(ValidationError, match="not a kind"):
        registry.action_raise("capa-test", actor=org.qm_a, source=None, title="x", site=org.site_a)
    with pytest.raises(ValidationError, match="title"):
        registry.action_raise(registry.DEFAULT_KIND, actor=org.qm_a, source=None, title=" ", site=org.site_a)


@pytest.mark.django_db
def test_the_default_kind_refuses_a_person_without_the_right_at_the_site(org):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        registry.action_raise(registry.DEFAULT_KIND, actor=org.qm_b, source=None, title="x", site=org.site_a)
    assert not Action.objects.exists()
