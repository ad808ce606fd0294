"""factory_boy factories for the organisation. They create rows through ``ims.org.services``.

So a factory-made row passed the same validation and permission sync as one made on a page
or through the API: ``MembershipFactory(site=site)`` really grants its role at ``site``.
Passwords are unusable unless given (Argon2 hashing is slow on purpose).

    site = SiteFactory()
    person = PersonFactory(site=site)                      # with a current Employee membership
    qm = PersonFactory(site=site, site__role=RoleCode.QUALITY_MANAGER)
    membership = MembershipFactory(site=site)              # a new person at ``site``
"""

from __future__ import annotations

import factory

from ims.org import services
from ims.org.choices import RoleCode
from ims.org.models import Function, Membership, Person, Role, Site


def seeded_role(code: str) -> Role:
    """A seeded role (``roles_sync()`` creates them; roles are never made by factories)."""
    return Role.objects.get(code=code)


class SiteFactory(factory.django.DjangoModelFactory):
    code = factory.Sequence(lambda n: f"FS{n:04d}")
    name = factory.Sequence(lambda n: f"Plant {n:04d}")
    country = "DE"
    timezone = "Europe/Berlin"

    class Meta:
        model = Site

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Site:
        return services.site_create(**kwargs)


class FunctionFactory(factory.django.DjangoModelFactory):
    code = factory.Sequence(lambda n: f"FF{n:04d}")
    name = factory.Sequence(lambda n: f"Function {n:04d}")

    class Meta:
        model = Function

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Function:
        return services.function_create(**kwargs)


class PersonFactory(factory.django.DjangoModelFactory):
    """A person; ``site=`` adds a current membership there (``site__role=``, ``site__function=``)."""

    username = factory.Sequence(lambda n: f"person{n:05d}")
    employee_id = factory.Sequence(lambda n: f"FE{n:05d}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Tester{n:05d}")
    email = factory.LazyAttribute(lambda p: f"{p.username}@example.com")
    job_title = "Technician"
    password = None

    class Meta:
        model = Person
        skip_postgeneration_save = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Person:
        return services.person_create(**kwargs)

    @factory.post_generation
    def site(person, create, extracted, **kwargs):
        if create and extracted is not None:
            MembershipFactory(person=person, site=extracted, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    """A current membership; by default an Employee role held by a new person at a new site."""

    person = factory.SubFactory(PersonFactory)
    site = factory.SubFactory(SiteFactory)
    function = factory.SubFactory(FunctionFactory)
    role = factory.LazyFunction(lambda: seeded_role(RoleCode.EMPLOYEE))

    class Meta:
        model = Membership

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Membership:
        if isinstance(kwargs.get("role"), str):
            kwargs["role"] = seeded_role(kwargs["role"])
        return services.membership_create(**kwargs)
