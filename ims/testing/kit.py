"""The site-isolation kit: one declaration per site-scoped model, every isolation test for free.

A model registered with ``@site_scoped`` declares how its pages and API are reached::

    from ims.testing.kit import ScopedModelCase, SiteIsolationTests

    class TestCapaIsolation(SiteIsolationTests):
        case = ScopedModelCase(
            model=Capa,
            create=lambda site: CapaFactory(site=site),
            list_url="capa:capa_list",
            detail_url="capa:capa_detail",
            edit_url="capa:capa_edit",
            edit_data=lambda capa: {"title": "Changed title", ...},
            api="capa",
            api_change=lambda capa: {"title": "Changed title"},
        )

and pytest collects, for that model (COMPLIANCE.md §6 row 1):

- every principal of the ``org`` fixture sees exactly the rows of their own sites on the list
  page, in the CSV export and in the API list (the Global Admin sees all, a person without a
  site sees none), and no link to another site's row appears in the page;
- another site's detail answers 404 on the page and in the API;
- denied writes change nothing: an Employee gets 403 (page and API, edit, create and
  deactivate), another site's row answers 404, and a snapshot of the row is unchanged
  (every update carries a reason for change, so only the authorisation can refuse it);
- the same edit by a Quality Manager is applied, and its audit event carries the reason;
- ``DELETE`` through the API answers 405 and the row is still there;
- an anonymous visitor is sent to the login page (pages) or gets 401/403 (API);
- the list page and the API list run the same number of queries for 1 row and for 50 rows.

The tests use the ``org`` and ``client_for`` fixtures of ``tests/conftest.py``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, models
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ims.access import registry
from ims.org.choices import RoleCode

from .factories import PersonFactory, SiteFactory

#: Principals of the ``org`` fixture that read at exactly one site (attribute name → site attribute).
SITE_READERS: dict[str, str] = {
    "qm_a": "site_a",
    "qm_b": "site_b",
    "emp_a": "site_a",
    "emp_b": "site_b",
    "inspector_a": "site_a",
}
#: Principals whose lists are checked: the site readers, the Global Admin (all rows), a person with no site (none).
LIST_PRINCIPALS: tuple[str, ...] = (*SITE_READERS, "admin", "nosite")
#: Rows created for the query-count test: 1, then 49 more.
QUERY_COUNT_ROWS = 50
PAGE = {"per_page": 100}
API_PAGE = {"page_size": 100}
API_DENIED = {401, 403}
#: Updates and deactivations need a reason for change (A11-9); the kit always gives one.
REASON = "Corrected during the site-isolation check"


def with_reason(data: dict) -> dict:
    return {**data, "change_reason": REASON}


def if_match(client, url: str) -> dict:
    """The ``If-Match`` header of an update, from the record's ETag as ``client`` reads it now (a client that
    cannot read the record sends none: its update is refused before the version is looked at)."""
    tag = client.get(url).headers.get("ETag")
    return {"HTTP_IF_MATCH": tag} if tag else {}


def reason_of_last_change(obj: models.Model) -> str | None:
    """The reason recorded with the newest update event of ``obj``."""
    from ims.audit.models import AuditEvent

    event = AuditEvent.objects.for_record(obj).filter(action="U").order_by("-id").first()
    return event.reason if event is not None else None


@dataclass(frozen=True)
class ScopedModelCase:
    """How the kit reaches one site-scoped model. Only the first five fields are required."""

    model: type[models.Model]
    #: Returns a row belonging to ``site`` (a new one, except for ``Site`` itself).
    create: Callable[[Any], models.Model]
    #: URL names: the list page and the detail page (takes ``pk``).
    list_url: str
    detail_url: str
    #: The API router's basename: ``<api>-list``, ``<api>-detail`` and ``<api>-deactivate``.
    api: str
    #: The edit page (takes ``pk``) and form data that a permitted user may post to change ``row``.
    edit_url: str | None = None
    edit_data: Callable[[models.Model], dict] | None = None
    #: A PATCH body that a permitted user may send to change ``row``.
    api_change: Callable[[models.Model], dict] | None = None
    #: The add page and form data to create a row at ``site``.
    add_url: str | None = None
    add_data: Callable[[Any], dict] | None = None
    #: A POST body for the API list that creates a row at ``site`` (``None``: the API does not create).
    api_create: Callable[[Any], dict] | None = None
    #: The page that deactivates (or ends) a row (POST, takes ``pk``).
    deactivate_url: str | None = None
    #: Another row that the people of ``site`` can see; defaults to ``create``.
    more: Callable[[Any], models.Model] | None = None
    #: The CSV export column that identifies a row (a field path of the model).
    export_key: str = "id"
    #: The rows belonging to ``site``; defaults to the ``@site_scoped`` lookup of the model.
    rows_at: Callable[[Any], models.QuerySet] | None = None
    #: Of a site's rows, those a read-only inspector sees (e.g. released document versions); default: all.
    inspector_sees: Callable[[models.Model], bool] | None = None

    def __post_init__(self) -> None:
        if registry.get_scoped(self.model) is None:
            raise TypeError(f"{self.model._meta.label} is not @site_scoped; the isolation kit is for scoped models.")
        if (self.edit_url is None) != (self.edit_data is None):
            raise TypeError("Declare edit_url and edit_data together.")
        if (self.add_url is None) != (self.add_data is None):
            raise TypeError("Declare add_url and add_data together.")

    @property
    def label(self) -> str:
        return self.model._meta.label

    def row_pks_at(self, site) -> set:
        if self.rows_at is not None:
            return set(self.rows_at(site).values_list("pk", flat=True))
        lookup = registry.get_scoped(self.model).site_lookup or "pk"
        return set(self.model._base_manager.filter(**{lookup: site.pk}).values_list("pk", flat=True))

    def add_more(self, site) -> models.Model:
        return (self.more or self.create)(site)


@dataclass
class World:
    """The ``org`` fixture plus one row of the model at each site."""

    org: Any
    row_a: models.Model
    row_b: models.Model


def snapshot(obj: models.Model) -> dict:
    """The stored values of every concrete field of ``obj``, read again from the database."""
    fresh = type(obj)._base_manager.get(pk=obj.pk)
    return {field.attname: getattr(fresh, field.attname) for field in type(obj)._meta.concrete_fields}


def login_url() -> str:
    return resolve_url(settings.LOGIN_URL)


def page_rows(response) -> set:
    """The primary keys of the rows in the list page's table."""
    table = response.context["table"]
    return {row.record.pk for row in table.paginated_rows}


def api_rows(response) -> list:
    data = response.json()
    return [item["id"] for item in data["results"]]


def form_errors(response):
    form = response.context.get("form") if response.context else None
    return form.errors if form is not None else response.status_code


def csv_rows(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


class SiteIsolationTests:
    """Subclass as ``class Test<Model>Isolation(SiteIsolationTests)`` and set ``case``."""

    case: ScopedModelCase

    # --- set-up -------------------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _fast_password_hashing(self, settings):
        """The ``org`` fixture sets seven passwords; Argon2 is slow on purpose and irrelevant here."""
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    @pytest.fixture
    def world(self, org) -> World:
        return World(org=org, row_a=self.case.create(org.site_a), row_b=self.case.create(org.site_b))

    def expected_rows(self, org, principal: str) -> set:
        if principal == "admin":
            return set(self.case.model._base_manager.values_list("pk", flat=True))
        if principal == "nosite":
            return set()
        rows = self.case.row_pks_at(getattr(org, SITE_READERS[principal]))
        if principal.startswith("inspector") and self.case.inspector_sees is not None:
            seen = self.case.model._base_manager.filter(pk__in=rows)
            rows = {row.pk for row in seen if self.case.inspector_sees(row)}
        return rows

    def all_rows(self) -> set:
        return set(self.case.model._base_manager.values_list("pk", flat=True))

    def detail(self, obj) -> str:
        return reverse(self.case.detail_url, args=[obj.pk])

    def api_detail(self, obj) -> str:
        return reverse(f"{self.case.api}-detail", args=[obj.pk])

    def api_list(self) -> str:
        return reverse(f"{self.case.api}-list")

    # --- reads: exactly one's own rows ----------------------------------------------------------

    @pytest.mark.req("P11-10d", "P11-10g", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", LIST_PRINCIPALS)
    def test_list_page_shows_exactly_own_rows(self, world, client_for, principal):
        expected = self.expected_rows(world.org, principal)
        response = client_for(getattr(world.org, principal)).get(reverse(self.case.list_url), PAGE)
        assert response.status_code == 200
        assert page_rows(response) == expected
        html = response.content.decode()
        for pk in self.all_rows() - expected:
            link = reverse(self.case.detail_url, args=[pk])
            assert f'href="{link}"' not in html, f"{self.case.label} {pk} of another site is linked from the list"

    @pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", LIST_PRINCIPALS)
    def test_csv_export_holds_exactly_own_rows(self, world, client_for, principal):
        expected = self.expected_rows(world.org, principal)
        response = client_for(getattr(world.org, principal)).get(reverse(self.case.list_url), {"export": "csv"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = csv_rows(response)
        key = self.case.export_key
        header = rows[0].keys() if rows else None
        assert header is None or key in header, f"the export has no {key!r} column; set export_key"
        keys = self.case.model._base_manager.filter(pk__in=expected).values_list(key, flat=True)
        assert sorted(row[key] for row in rows) == sorted(str(value) for value in keys)

    @pytest.mark.req("P11-10d", "P11-10g", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", LIST_PRINCIPALS)
    def test_api_list_holds_exactly_own_rows(self, world, client_for, principal):
        expected = self.expected_rows(world.org, principal)
        response = client_for(getattr(world.org, principal)).get(self.api_list(), API_PAGE)
        assert response.status_code == 200
        ids = api_rows(response)
        assert len(ids) == len(set(ids)), "a row is listed twice"
        assert set(ids) == expected
        assert response.json()["count"] == len(expected)

    @pytest.mark.req("P11-10d", "ASVS5-8.2.2", "ASVS5-8.4.1")
    @pytest.mark.parametrize("principal", SITE_READERS)
    def test_other_sites_detail_is_not_found(self, world, client_for, principal):
        own, other = (world.row_a, world.row_b) if SITE_READERS[principal] == "site_a" else (world.row_b, world.row_a)
        client = client_for(getattr(world.org, principal))
        hidden = principal.startswith("inspector") and self.case.inspector_sees and not self.case.inspector_sees(own)
        assert client.get(self.detail(own)).status_code == (404 if hidden else 200)
        assert client.get(self.detail(other)).status_code == 404
        assert client.get(self.api_detail(own)).status_code == (404 if hidden else 200)
        assert client.get(self.api_detail(other)).status_code == 404

    # --- writes that are denied change nothing ------------------------------------------------------

    def denied(self, world) -> int:
        """What an Employee of site A gets for a denied write to a site-A row: 403 where employees may read the
        model, 404 where they see only their own rows (the row's existence is not revealed)."""
        from ims.access.permissions import user_can_at_site

        opts = self.case.model._meta
        return (
            403
            if user_can_at_site(world.org.emp_a, f"{opts.app_label}.view_{opts.model_name}", world.org.site_a)
            else 404
        )

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_edit_on_the_page(self, world, client_for):
        if self.case.edit_url is None:
            pytest.skip(f"{self.case.label} has no edit page")
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        url = reverse(self.case.edit_url, args=[row.pk])
        assert client.get(url).status_code == self.denied(world)
        assert client.post(url, with_reason(self.case.edit_data(row))).status_code == self.denied(world)
        assert snapshot(row) == before

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1", "ASVS5-8.3.1")
    def test_employee_cannot_change_through_the_api(self, world, client_for):
        if self.case.api_change is None:
            pytest.skip(f"{self.case.label} cannot be changed through the API")
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        body = with_reason(self.case.api_change(row))
        assert client.patch(self.api_detail(row), body, content_type="application/json").status_code == self.denied(
            world
        )
        assert client.put(self.api_detail(row), body, content_type="application/json").status_code == self.denied(world)
        assert snapshot(row) == before

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_add(self, world, client_for):
        client = client_for(world.org.emp_a)
        before = self.all_rows()
        if self.case.add_url is not None:
            url = reverse(self.case.add_url)
            assert client.get(url).status_code == 403
            assert client.post(url, self.case.add_data(world.org.site_a)).status_code == 403
        body = self.case.api_create(world.org.site_a) if self.case.api_create else {}
        answer = client.post(self.api_list(), body, content_type="application/json")
        assert answer.status_code == 403 if self.case.api_create else answer.status_code in {403, 405}
        assert self.all_rows() == before

    @pytest.mark.req("P11-10g", "ASVS5-8.2.1")
    def test_employee_cannot_deactivate(self, world, client_for):
        row = world.row_a
        before = snapshot(row)
        client = client_for(world.org.emp_a)
        if self.case.deactivate_url is not None:
            assert client.post(
                reverse(self.case.deactivate_url, args=[row.pk]), with_reason({})
            ).status_code == self.denied(world)
        deactivate = reverse(f"{self.case.api}-deactivate", args=[row.pk])
        assert client.post(deactivate, with_reason({}), content_type="application/json").status_code == self.denied(
            world
        )
        assert snapshot(row) == before

    @pytest.mark.req("P11-10g", "ASVS5-8.2.2", "ASVS5-8.4.1")
    def test_other_sites_row_cannot_be_changed(self, world, client_for):
        row = world.row_b
        before = snapshot(row)
        client = client_for(world.org.qm_a)
        if self.case.edit_url is not None:
            url = reverse(self.case.edit_url, args=[row.pk])
            assert client.get(url).status_code == 404
            assert client.post(url, with_reason(self.case.edit_data(row))).status_code == 404
        if self.case.api_change is not None:
            body = with_reason(self.case.api_change(row))
            assert client.patch(self.api_detail(row), body, content_type="application/json").status_code == 404
        if self.case.deactivate_url is not None:
            assert client.post(reverse(self.case.deactivate_url, args=[row.pk]), with_reason({})).status_code == 404
        deactivate = reverse(f"{self.case.api}-deactivate", args=[row.pk])
        assert client.post(deactivate, with_reason({}), content_type="application/json").status_code == 404
        assert snapshot(row) == before

    @pytest.mark.req("P11-10g", "P11-10e", "A11-9")
    def test_permitted_edit_on_the_page_is_applied(self, world, client_for):
        """The control for the denials above: the same form data does change the row for a Quality Manager."""
        if self.case.edit_url is None:
            pytest.skip(f"{self.case.label} has no edit page")
        row = world.row_a
        before = snapshot(row)
        url = reverse(self.case.edit_url, args=[row.pk])
        response = client_for(world.org.qm_a).post(url, with_reason(self.case.edit_data(row)))
        assert response.status_code == 302, form_errors(response)
        assert snapshot(row) != before
        assert reason_of_last_change(row) == REASON

    @pytest.mark.req("P11-10g", "P11-10e", "A11-9")
    def test_permitted_api_change_is_applied(self, world, client_for):
        """The control for the API denials: the same body does change the row for a Quality Manager."""
        if self.case.api_change is None:
            pytest.skip(f"{self.case.label} cannot be changed through the API")
        row = world.row_a
        before = snapshot(row)
        body = with_reason(self.case.api_change(row))
        client = client_for(world.org.qm_a)
        url = self.api_detail(row)
        response = client.patch(url, body, content_type="application/json", **if_match(client, url))
        assert response.status_code == 200, response.content
        assert snapshot(row) != before
        assert reason_of_last_change(row) == REASON

    @pytest.mark.req("P11-10c")
    @pytest.mark.parametrize("principal", ["qm_a", "admin"])
    def test_api_delete_is_not_allowed(self, world, client_for, principal):
        row = world.row_a
        before = snapshot(row)
        response = client_for(getattr(world.org, principal)).delete(self.api_detail(row))
        assert response.status_code == 405
        assert snapshot(row) == before

    # --- anonymous ------------------------------------------------------------------------------------

    @pytest.mark.req("P11-10d")
    def test_anonymous_is_sent_to_login(self, world):
        client = Client()
        row = world.row_a
        before = snapshot(row)
        pages = [reverse(self.case.list_url), self.detail(row)]
        if self.case.edit_url is not None:
            pages.append(reverse(self.case.edit_url, args=[row.pk]))
        for url in pages:
            for response in (client.get(url), client.post(url, {})):
                assert response.status_code == 302, url
                assert response["Location"].startswith(login_url()), url
        assert client.get(self.api_list()).status_code in API_DENIED
        assert client.get(self.api_detail(row)).status_code in API_DENIED
        assert client.patch(self.api_detail(row), {}, content_type="application/json").status_code in API_DENIED
        assert client.delete(self.api_detail(row)).status_code in API_DENIED
        assert snapshot(row) == before

    # --- no N+1 -------------------------------------------------------------------------------------------

    @pytest.mark.req("ASVS5-2.4.1")
    def test_query_count_does_not_grow_with_rows(self, org, client_for):
        """A Quality Manager of a new site sees 1 row, then 50: the list page and API list run the same queries."""
        site = SiteFactory()
        manager = PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)
        if not self.case.row_pks_at(site):
            self.case.create(site)
        client = client_for(manager)
        urls = {"list page": (reverse(self.case.list_url), PAGE), "API list": (self.api_list(), API_PAGE)}

        def count_queries() -> dict[str, tuple[int, int, list[str]]]:
            counts = {}
            for name, (url, params) in urls.items():
                client.get(url, params)  # warm per-process caches (content types, permissions)
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url, params)
                assert response.status_code == 200, name
                rows = page_rows(response) if name == "list page" else api_rows(response)
                counts[name] = (len(queries), len(rows), [q["sql"] for q in queries.captured_queries])
            return counts

        one = count_queries()
        assert all(rows == 1 for _, rows, _ in one.values()), {k: v[1] for k, v in one.items()}
        for _ in range(QUERY_COUNT_ROWS - 1):
            self.case.add_more(site)
        many = count_queries()
        for name in urls:
            assert many[name][1] == QUERY_COUNT_ROWS, f"{name} shows {many[name][1]} rows"
            assert many[name][0] == one[name][0], (
                f"{name}: {one[name][0]} queries for 1 row, {many[name][0]} for {QUERY_COUNT_ROWS}:\n"
                + "\n".join(many[name][2])
            )
