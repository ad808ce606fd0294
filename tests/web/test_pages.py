"""The UI shell: sign-in, navigation, messages, error pages, dashboard and profile with API tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from ims.access.models import ApiToken, hash_token
from ims.access.services import api_token_create

pytestmark = pytest.mark.django_db


# --- Sign-in and layout ---------------------------------------------------------------------------


def test_login_page_renders_with_the_product_name():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "IMS Portal" in body and 'name="username"' in body and 'name="password"' in body
    # Served by the app itself under a hashed name (WhiteNoise, cached forever), never from a CDN.
    assert re.search(r"/static/vendor/bootstrap/bootstrap\.min\.[0-9a-f]{12}\.css", body)
    assert "cdn" not in body.lower()


def test_bad_credentials_show_a_message_and_do_not_sign_in(org):
    client = Client()
    response = client.post(reverse("login"), {"username": "qm_a", "password": "wrong-password-123"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_good_credentials_lead_to_the_dashboard(org):
    """An employee needs no second factor (quality managers do: tests/access/test_mfa.py)."""
    client = Client()
    response = client.post(reverse("login"), {"username": "emp_a", "password": org.password})
    assert response.status_code == 302 and response["Location"] == reverse("web:dashboard")
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_shell_has_navigation_user_and_logout(org, client_for):
    body = client_for(org.qm_a).get(reverse("web:dashboard")).content.decode()
    assert 'id="sidebar"' in body and "offcanvas-lg" in body
    assert reverse("org:person_list") in body
    # Every IMS step is built: each has its numbered section, and none is shown as planned.
    for step in ("1", "2", "3", "4", "5", "6"):
        assert f'<span class="step-badge" title="Step {step}">{step}</span>' in body, step
    assert "planned-tag" not in body
    assert 'class="step-badge"' in body
    assert org.qm_a.display_name in body
    assert f'<form method="post" action="{reverse("logout")}"' in body


@pytest.mark.parametrize("who", ["qm_a", "emp_a", "inspector_a"])
def test_the_sidebar_asks_for_site_permissions_once_per_page(org, client_for, who):
    """Navigation, cards and buttons share one answer per request (``site_permissions_held``), however many
    items the sidebar has; a page rendering several templates builds the navigation once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(getattr(org, who))
    client.get(reverse("web:profile"))
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("web:profile")).content.decode()
    permission_queries = [q["sql"] for q in queries.captured_queries if "access_sitegroupobjectpermission" in q["sql"]]
    assert 'id="sidebar"' in body
    # One for everything the user holds anywhere; then one per permission whose sites a page needs (the ids
    # restrict() filters on; the training matrix opens for an active site the user may see). Before: one per
    # sidebar item (14 for a QM).
    assert len(permission_queries) <= 3, permission_queries
    assert 'UPDATE "django_session"' not in " ".join(q["sql"] for q in queries.captured_queries)


def test_logout_is_a_post(org, client_for):
    client = client_for(org.qm_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 302


def test_messages_are_dismissible_alerts(org, client_for):
    client = client_for(org.qm_a)
    client.post(reverse("org:person_deactivate", args=[org.emp_a.pk]), {"change_reason": "Left the company"})
    body = client.get(org.emp_a.get_absolute_url()).content.decode()
    assert "alert-dismissible" in body and "deactivated" in body


# --- Error pages -------------------------------------------------------------------------------------


def test_404_page_is_friendly(org, client_for):
    response = client_for(org.qm_a).get(reverse("org:person_detail", args=[org.emp_b.pk]))
    assert response.status_code == 404
    assert "could not find" in response.content.decode()


def test_403_page_shows_the_reason(org, client_for):
    response = client_for(org.emp_a).get(reverse("org:person_edit", args=[org.qm_a.pk]))
    assert response.status_code == 403
    assert "You may view this record but not change it." in response.content.decode()


def test_500_page_shows_an_incident_id_and_no_trace(rf):
    from ims.web.errors import server_error

    response = server_error(rf.get("/somewhere/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert re.search(r"data-incident>[0-9a-f]{12}<", body)
    assert "Traceback" not in body


# --- Dashboard -----------------------------------------------------------------------------------------


def test_dashboard_counts_only_the_users_sites(org, client_for):
    response = client_for(org.qm_a).get(reverse("web:dashboard"))
    context = response.context
    assert context["site_count"] == 1
    assert context["person_count"] == 4  # qm_a, emp_a, inspector_a, global admin at site A
    assert [row["site"] for row in context["per_site"]] == [org.site_a]
    body = response.content.decode()
    assert 'data-site="SITEA"' in body and 'data-site="SITEB"' not in body
    assert len(context["steps"]) == 7
    assert [m.role.code for m in context["my_memberships"]] == ["quality_manager"]


def test_dashboard_for_a_person_without_a_site(org, client_for):
    response = client_for(org.nosite).get(reverse("web:dashboard"))
    assert response.status_code == 200
    assert response.context["site_count"] == 0 and response.context["person_count"] == 0
    assert "You hold no role at any site yet." in response.content.decode()


# --- Profile and API tokens ------------------------------------------------------------------------------


def test_profile_shows_own_details_and_memberships(org, client_for):
    response = client_for(org.emp_a).get(reverse("web:profile"))
    body = response.content.decode()
    assert response.status_code == 200
    assert org.emp_a.employee_id in body and "data-own-membership" in body


def test_token_create_shows_the_secret_once_and_stores_only_its_hash(org, client_for):
    client = client_for(org.qm_a)
    response = client.post(reverse("web:token_create"), {"name": "HR sync", "days": 30, "read_only": "on"})
    assert response.status_code == 200
    secret = response.context["new_token_secret"]
    assert secret.startswith("ims_") and secret in response.content.decode()
    token = ApiToken.objects.get(person=org.qm_a)
    assert token.key_hash == hash_token(secret) and token.read_only
    assert secret not in (token.key_hash, token.key_prefix)
    later = client.get(reverse("web:profile")).content.decode()
    assert secret not in later and token.key_prefix in later and "HR sync" in later


def test_token_create_validates(org, client_for):
    response = client_for(org.qm_a).post(reverse("web:token_create"), {"name": "", "days": 9999})
    assert response.status_code == 400
    errors = response.context["token_form"].errors
    assert "name" in errors and "days" in errors
    assert not ApiToken.objects.exists()


def test_write_token_when_read_only_is_unticked(org, client_for):
    client_for(org.qm_a).post(reverse("web:token_create"), {"name": "ERP", "days": 10})
    assert ApiToken.objects.get(person=org.qm_a).read_only is False


def test_profile_lists_only_the_users_own_tokens(org, client_for):
    api_token_create(person=org.qm_b, name="Boston BI", days=10)
    api_token_create(person=org.qm_a, name="Basel BI", days=10)
    body = client_for(org.qm_a).get(reverse("web:profile")).content.decode()
    assert "Basel BI" in body and "Boston BI" not in body


def test_revoke_own_token(org, client_for):
    token, _ = api_token_create(person=org.qm_a, name="Old sync", days=10)
    response = client_for(org.qm_a).post(reverse("web:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.status == "revoked"


def test_another_users_token_cannot_be_revoked(org, client_for):
    token, _ = api_token_create(person=org.qm_b, name="Boston BI", days=10)
    response = client_for(org.qm_a).post(reverse("web:token_revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoke_is_post_only(org, client_for):
    token, _ = api_token_create(person=org.qm_a, name="Sync", days=10)
    assert client_for(org.qm_a).get(reverse("web:token_revoke", args=[token.pk])).status_code == 405
