"""restrict(): the one read filter. Rows of other sites are invisible; write actions follow role permissions."""

import pytest

from ims.access.permissions import user_can, user_can_at_site
from ims.access.querysets import RegulatedRecordDeletion
from ims.org import services
from ims.org.models import Membership, Person, Site

pytestmark = pytest.mark.django_db


def test_people_are_visible_only_at_the_users_sites(org):
    visible_a = set(Person.objects.restrict(org.qm_a, "view"))
    visible_b = set(Person.objects.restrict(org.emp_b, "view"))
    assert org.emp_a in visible_a and org.emp_b not in visible_a
    assert org.emp_b in visible_b and org.qm_a not in visible_b
    assert org.nosite not in visible_a


def test_global_admin_sees_every_site(org):
    assert set(Site.objects.restrict(org.admin, "view")) == {org.site_a, org.site_b}
    assert Person.objects.restrict(org.admin, "view").count() == Person.objects.count()


def test_inspector_reads_but_never_writes(org):
    assert org.emp_a in Person.objects.restrict(org.inspector_a, "view")
    for action in ("add", "change", "delete"):
        assert not Person.objects.restrict(org.inspector_a, action).exists()
    assert not user_can_at_site(org.inspector_a, "org.add_person", org.site_a)


def test_employee_cannot_change_colleagues(org):
    assert user_can(org.emp_a, "view", org.qm_a)
    assert not user_can(org.emp_a, "change", org.qm_a)
    assert user_can(org.qm_a, "change", org.emp_a)
    assert not user_can(org.qm_a, "change", org.emp_b)


def test_ending_a_membership_withdraws_access_the_next_day(org):
    import datetime

    membership = Membership.objects.get(person=org.qm_b)
    services.membership_update(membership=membership, data={"valid_from": datetime.date(2020, 1, 1)})
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    services.membership_end(membership=membership, on=yesterday)
    qm_b = Person.objects.get(pk=org.qm_b.pk)
    assert not Person.objects.restrict(qm_b, "view").exists()


def test_deactivated_user_sees_nothing(org):
    services.person_deactivate(person=org.qm_a)
    qm_a = Person.objects.get(pk=org.qm_a.pk)
    assert not Person.objects.restrict(qm_a, "view").exists()


def test_restrict_is_one_query(org, django_assert_num_queries):
    qm_a = Person.objects.get(pk=org.qm_a.pk)
    # Every permission the user holds, everywhere and per site with the ids of its sites, in one query cached on
    # the user for the request; then one SELECT.
    with django_assert_num_queries(2):
        list(Person.objects.restrict(qm_a, "view"))
    with django_assert_num_queries(1):
        list(Person.objects.restrict(qm_a, "view"))


def test_regulated_records_are_never_deleted(org):
    with pytest.raises(RegulatedRecordDeletion):
        org.emp_a.delete()
    with pytest.raises(RegulatedRecordDeletion):
        Person.objects.filter(pk=org.emp_a.pk).delete()
    with pytest.raises(RegulatedRecordDeletion):
        Site.objects.all().delete()
    assert Person.objects.filter(pk=org.emp_a.pk).exists()
