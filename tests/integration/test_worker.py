"""The broker and a real worker process: /healthz sees the worker; a task runs out of process."""

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_healthz_counts_the_running_worker(client, celery_worker_process):
    body = client.get("/healthz").json()
    assert body["broker"] == "ok"
    assert body["workers"]["count"] >= 1
    assert body["status"] == "ok"


def test_a_task_runs_in_the_worker_against_the_test_database(celery_worker_process):
    """The worker writes to the same database the test reads (a real process, not eager mode)."""
    import time

    from ims.access.sync import site_permissions_ensure
    from ims.access.tasks import site_permissions_sync_due
    from ims.org import services
    from ims.org.models import Person, Role
    from ims.org.roles import roles_sync

    site_permissions_ensure()
    roles_sync()
    site = services.site_create(code="WRK", name="Worker Site", country="DE", timezone="Europe/Berlin")
    function = services.function_create(code="QA", name="Quality Assurance")
    person = services.person_create(username="worker.test", employee_id="W-1")
    membership = services.membership_create(
        person=person, site=site, function=function, role=Role.objects.get(code="employee")
    )
    # Remove the group membership behind the service's back; the task must restore it.
    Person.groups.through.objects.filter(person_id=person.pk).delete()
    site_permissions_sync_due.apply_async(queue=celery_worker_process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Person.groups.through.objects.filter(person_id=person.pk).exists():
            break
        time.sleep(0.2)
    assert Person.groups.through.objects.filter(person_id=person.pk).exists(), membership
