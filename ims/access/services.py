"""API token services: created and revoked from the person's profile page or by an administrator."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, hash_token


@transaction.atomic
def api_token_create(*, person, name: str, days: int | None = None, read_only: bool = True) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is shown once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name that says what it is for."})
    days = settings.API_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        raise ValidationError({"days": f"A token lives between 1 and {settings.API_TOKEN_MAX_DAYS} days."})
    raw = ApiToken.generate_key()
    token = ApiToken.objects.create(
        person=person,
        name=name,
        key_hash=hash_token(raw),
        key_prefix=raw[:10],
        read_only=read_only,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
