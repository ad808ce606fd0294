"""Signing people in for tests and benchmarks without typing codes."""

from __future__ import annotations

from django.test import Client


def second_factor_confirm(client: Client, person) -> None:
    """Mark ``client``'s session as confirmed with a second factor (an authenticator device is created once)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=person, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=person, name="Authenticator app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def signed_in_client(person) -> Client:
    """A client past the password and the second-factor step."""
    client = Client()
    client.force_login(person)
    second_factor_confirm(client, person)
    return client
