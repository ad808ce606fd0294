"""Fixtures of the e-signature tests: a second signable type (a site, registered for the test only), certification."""

from __future__ import annotations

import pytest

from ims.esign import registry, services
from ims.org.models import Site


@pytest.fixture
def signable_site():
    """Registers ``org.Site`` as signable (mutable) for one test; the kernel has no permanent dummy model."""
    registry.register_signable(Site, fields=("code", "name", "country", "timezone"), immutable=False)
    yield Site
    registry.unregister_signable(Site)


@pytest.fixture
def immutable_site():
    registry.register_signable(Site, fields=("code", "name", "country", "timezone"), immutable=True)
    yield Site
    registry.unregister_signable(Site)


@pytest.fixture
def certify(org):
    """``certify(person)`` → the person's certification, signed with user ID and password in a fresh session."""

    def make(person, session=None):
        return services.certification_create(
            person=person, password=org.password, username=person.username, session={} if session is None else session
        )

    return make
