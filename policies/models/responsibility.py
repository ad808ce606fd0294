"""Who is Responsible, Accountable, Consulted and Informed for a controlled document (the RACI matrix).

One row per document and role. A cell is cleared by setting its assignment to blank (kept, with the
reason in the audit trail), never by deleting the row. Rows belong to the sites of their document.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager, RestrictedQuerySet
from ims.access.registry import site_scoped
from ims.audit.registry import audited
from ims.documents.models import DOCUMENT_SITES_SQL
from ims.org.models import RegulatedModel

from ..choices import Assignment


class ResponsibilityQuerySet(RestrictedQuerySet):
    def assigned(self) -> ResponsibilityQuerySet:
        """Cells holding R, A, C or I (cleared cells are kept with a blank assignment)."""
        return self.exclude(assignment="")


@audited(ignored=("updated_at",), site_sql=DOCUMENT_SITES_SQL.format("r.document_id"))
@site_scoped(site_lookup="document__sites")
class Responsibility(RegulatedModel):
    """One cell of the RACI matrix: what a role does for a procedure or policy."""

    document = models.ForeignKey(
        "documents.ControlledDocument",
        on_delete=models.PROTECT,
        related_name="responsibilities",
        verbose_name=_("document"),
    )
    role = models.ForeignKey(
        "org.Role", on_delete=models.PROTECT, related_name="responsibilities", verbose_name=_("role")
    )
    assignment = models.CharField(
        _("assignment"),
        max_length=1,
        choices=Assignment.choices,
        blank=True,
        help_text=_("R, A, C or I; blank when the cell was cleared."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager.from_queryset(ResponsibilityQuerySet)()

    class Meta:
        ordering = ["document__number", "role__name"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        constraints = [
            models.UniqueConstraint(fields=["document", "role"], name="policies_responsibility_unique_cell"),
            models.CheckConstraint(
                condition=models.Q(assignment__in=["", *Assignment.values]),
                name="policies_responsibility_assignment_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document.number} · {self.role.name}: {self.assignment or '—'}"

    def get_absolute_url(self) -> str:
        return reverse("policies:responsibility_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return bool(self.assignment)
