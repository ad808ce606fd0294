"""Shared fixtures: a small two-site organisation, clients per principal.

Principals (COMPLIANCE.md): a site-A quality manager, a site-B quality manager, a site-B
employee, an inspector of site A, a global admin, and a user with no site.
"""

from __future__ import annotations

import pytest
from django.test import Client

from ims.access.sync import site_permissions_ensure
from ims.org import services
from ims.org.choices import RoleCode
from ims.org.models import Person, Role
from ims.org.roles import roles_sync
from ims.testing import database
from ims.testing.auth import second_factor_confirm

PASSWORD = "Correct-Horse-Battery-9"


@pytest.fixture(scope="session")
def _owner_for_setup(django_test_environment):
    """Creating the test database and its tables is the owner's job, as ``migrate`` is in production."""
    database.connection_use(database.owner_settings())
    yield
    database.connection_use(database.owner_settings())


@pytest.fixture(scope="session")
def django_db_setup(_owner_for_setup, django_db_setup, django_db_blocker):
    """Every test then runs as the runtime role (``ims_app``), which owns nothing, as production does."""
    database.connection_use(database.app_settings())
    with django_db_blocker.unblock():
        role = database.connected_role()
    assert role == database.app_settings()["USER"], f"the tests must run as the runtime role, not {role}"
    yield
    # Dropping the test database is the owner's job again.
    database.connection_use(database.owner_settings())


@pytest.fixture(scope="session", autouse=True)
def _flush_as_owner():
    """Transactional tests empty the tables with TRUNCATE, which the runtime role may not do: the owner does it."""
    from django.test import testcases

    original = testcases.TransactionTestCase._fixture_teardown

    def teardown_as_owner(self):
        with database.as_owner():
            original(self)

    testcases.TransactionTestCase._fixture_teardown = teardown_as_owner
    yield
    testcases.TransactionTestCase._fixture_teardown = original


@pytest.fixture
def owner_cursor(django_db_blocker):
    """A cursor on a separate connection as the OWNER role, autocommit: for a test that must act as the owner
    (an attack a superuser could make, a repair). Data of the test's own transaction is not visible to it:
    such a test uses ``django_db(transaction=True)``."""
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    owner = database.owner_settings()
    with django_db_blocker.unblock():
        conn = psycopg2.connect(
            dbname=db["NAME"],
            user=owner["USER"],
            password=owner["PASSWORD"] or None,
            host=owner["HOST"] or db.get("OPTIONS", {}).get("host"),
            port=owner["PORT"] or None,
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                yield cursor
        finally:
            conn.close()


@pytest.fixture(autouse=True)
def _roles(db):
    """Tests run without migrations: create the per-site permissions and seeded roles."""
    site_permissions_ensure()
    roles_sync()


@pytest.fixture(autouse=True)
def _audit_anchor_log(settings, tmp_path):
    """Each test anchors its seals in a log of its own (the database is emptied between tests; the log is not)."""
    settings.IMS_AUDIT_ANCHOR = str(tmp_path / "audit-anchor.log")


@pytest.fixture(scope="session")
def password_hash() -> str:
    """The principals' password hashed once (Argon2 is slow on purpose; hashing it per person per test is not)."""
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


@pytest.fixture
def org(db, password_hash):
    """Two sites with people in each; returns a namespace of the principals and objects."""
    from types import SimpleNamespace

    site_a = services.site_create(code="SITEA", name="Basel Plant", country="CH", timezone="Europe/Zurich")
    site_b = services.site_create(code="SITEB", name="Boston Lab", country="US", timezone="America/New_York")
    qa = services.function_create(code="QA", name="Quality Assurance")
    prod = services.function_create(code="PROD", name="Production")
    roles = {r.code: r for r in Role.objects.all()}

    def person(username, site, role, function=qa, **extra):
        p = services.person_create(
            username=username,
            employee_id=username.upper(),
            first_name=username.split("_")[0].capitalize(),
            last_name=username.split("_")[-1].capitalize(),
            email=f"{username}@example.com",
            **extra,
        )
        Person.objects.filter(pk=p.pk).update(password=password_hash)
        p.password = password_hash
        if site is not None:
            services.membership_create(person=p, site=site, function=function, role=roles[role])
        return p

    ns = SimpleNamespace(
        site_a=site_a,
        site_b=site_b,
        qa=qa,
        prod=prod,
        roles=roles,
        qm_a=person("qm_a", site_a, RoleCode.QUALITY_MANAGER),
        qm_b=person("qm_b", site_b, RoleCode.QUALITY_MANAGER),
        emp_a=person("emp_a", site_a, RoleCode.EMPLOYEE, function=prod),
        emp_b=person("emp_b", site_b, RoleCode.EMPLOYEE, function=prod),
        inspector_a=person("inspector_a", site_a, RoleCode.INSPECTOR),
        admin=person("global_admin", site_a, RoleCode.GLOBAL_ADMIN),
        nosite=person("no_site", None, RoleCode.EMPLOYEE),
        password=PASSWORD,
    )
    return ns


def totp_code(device) -> str:
    """The code the person's authenticator app shows now (the next step's if this step's code was used)."""
    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    ahead = max(0, device.last_t + 1 - totp.t())
    totp.drift = device.drift + ahead
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def client_for(db):
    """``client_for(person)`` → a Django test client fully signed in as that person (password and second factor)."""

    def make(person) -> Client:
        client = Client()
        client.force_login(person)
        second_factor_confirm(client, person)
        return client

    return make


@pytest.fixture
def password_client_for(db):
    """``password_client_for(person)`` → a client past the password step only (no second factor yet)."""

    def make(person) -> Client:
        client = Client()
        client.force_login(person)
        return client

    return make


def pytest_collection_modifyitems(items):
    """Write each test's requirement IDs (``req`` markers) into the junit report, for ``manage.py rtm``."""
    for item in items:
        ids = dict.fromkeys(requirement for marker in item.iter_markers("req") for requirement in marker.args)
        for requirement in ids:
            item.user_properties.append(("req", requirement))
