"""Bulk loads refresh the planner's statistics as the runtime role (ANALYZE is the table owner's)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ims.audit.database import tables_analyze
from ims.org.models import Person
from ims.testing.factories import PersonFactory

pytestmark = pytest.mark.django_db


def reltuples(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = to_regclass(%s)", [table])
        return cursor.fetchone()[0]


def test_the_runtime_role_refreshes_the_statistics_of_what_it_loaded():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] != "postgres"  # the suite runs as the runtime role, not the owner
    PersonFactory.create_batch(30)
    tables_analyze("org_person")
    assert reltuples("org_person") >= Person.objects.count() >= 30  # the transaction's own rows are counted


def test_only_tables_of_the_application_are_analyzed():
    with pytest.raises(DatabaseError, match="not a table of the application"), transaction.atomic():
        tables_analyze("pg_authid")
    with pytest.raises(DatabaseError, match="not a table of the application"), transaction.atomic():
        tables_analyze("org_person; DROP TABLE org_person")
