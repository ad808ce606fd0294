"""Append-only rows: the application inserts and reads, never updates or deletes.

The database enforces the same rule below the application (``ims.audit.registry.append_only``:
triggers and REVOKE); these guards give a clear error before a statement is even sent.
"""

from __future__ import annotations

from django.db import models


class AppendOnlyViolation(Exception):
    """Raised when code tries to change or delete an append-only row."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyViolation(f"{self.model._meta.verbose_name_plural} are append-only and never changed.")

    update.queryset_only = True

    def delete(self):
        raise AppendOnlyViolation(f"{self.model._meta.verbose_name_plural} are append-only and never deleted.")

    delete.queryset_only = True


class SignatureQuerySet(AppendOnlyQuerySet):
    def for_record(self, record: models.Model) -> SignatureQuerySet:
        from django.contrib.contenttypes.models import ContentType

        ctype = ContentType.objects.get_for_model(record, for_concrete_model=False)
        return self.filter(content_type=ctype, object_pk=str(record.pk))


class AppendOnlyModel(models.Model):
    """Base for append-only tables: ``save()`` only inserts, ``delete()`` refuses."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyViolation(f"{self._meta.verbose_name} records are append-only and never changed.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyViolation(f"{self._meta.verbose_name} records are append-only and never deleted.")
