"""The company-wide scoring method of each discipline: matrix or RPN, the scale maxima, the band thresholds.

One row per discipline (quality, environment, OH&S). Entries store the scores and bands they were given; a
change of thresholds re-bands the discipline's entries (``risks.scoring.scoring_method_update``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ims.access.querysets import RestrictedManager
from ims.audit.registry import audited
from ims.org.models import RegulatedModel

from ..choices import Band, Discipline, ScoringKind

SCALE = [MinValueValidator(2), MaxValueValidator(10)]


@audited(ignored=("updated_at",))
class ScoringMethod(RegulatedModel):
    """How one discipline scores its register entries, the same at every site."""

    discipline = models.CharField(_("discipline"), max_length=16, choices=Discipline.choices, unique=True)
    kind = models.CharField(_("method"), max_length=8, choices=ScoringKind.choices, default=ScoringKind.MATRIX)
    severity_max = models.PositiveSmallIntegerField(_("severity scale (1 to …)"), default=5, validators=SCALE)
    likelihood_max = models.PositiveSmallIntegerField(_("likelihood scale (1 to …)"), default=5, validators=SCALE)
    detectability_max = models.PositiveSmallIntegerField(
        _("detectability scale (1 to …)"), default=5, validators=SCALE, help_text=_("Used by RPN only.")
    )
    medium_from = models.PositiveIntegerField(_("medium from score"), help_text=_("Scores from here are medium."))
    high_from = models.PositiveIntegerField(_("high from score"), help_text=_("Scores from here are high."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["discipline"]
        verbose_name = _("scoring method")
        verbose_name_plural = _("scoring methods")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(medium_from__gte=2, high_from__gt=models.F("medium_from")),
                name="risks_scoringmethod_bands_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_discipline_display()}: {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("risks:scoring_list")

    @property
    def uses_detectability(self) -> bool:
        return self.kind == ScoringKind.RPN

    @property
    def max_score(self) -> int:
        top = self.severity_max * self.likelihood_max
        return top * self.detectability_max if self.uses_detectability else top

    def score(self, severity: int | None, likelihood: int | None, detectability: int | None = None) -> int | None:
        if severity is None or likelihood is None:
            return None
        if self.uses_detectability:
            return None if detectability is None else severity * likelihood * detectability
        return severity * likelihood

    def band(self, score: int | None) -> str:
        if score is None:
            return ""
        if score >= self.high_from:
            return Band.HIGH
        if score >= self.medium_from:
            return Band.MEDIUM
        return Band.LOW

    def clean(self) -> None:
        if self.medium_from is not None and self.high_from is not None:
            if self.high_from <= self.medium_from:
                raise ValidationError({"high_from": _("“High” must start above where “medium” starts.")})
            if self.high_from > self.max_score:
                raise ValidationError(
                    {"high_from": _("The highest possible score is %(max)s.") % {"max": self.max_score}}
                )
