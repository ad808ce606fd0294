"""Forms of internal audits: programme, area, audit plan and team, reschedule/cancel, finding, CAPA, signing."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.access.permissions import user_sites
from ims.org.models import Person, Site
from processes.models import Clause, Process, Standard

from .choices import FindingGrade, Frequency, RiskLevel
from .models import Audit, AuditProgramme, ChecklistItem, Finding

DATE = forms.DateInput(attrs={"type": "date"})
REASON = forms.CharField(
    label=_("Reason"),
    widget=forms.Textarea(attrs={"rows": 2}),
    max_length=2000,
    error_messages={"required": _("Give the reason; it is kept in the audit trail.")},
)


def _people():
    return Person.objects.filter(is_active=True, memberships__isnull=False).distinct().order_by("last_name")


class ProgrammeForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=200)
    sites = forms.ModelMultipleChoiceField(label=_("Sites"), queryset=Site.objects.none())
    objectives = forms.CharField(
        label=_("Objectives and scope"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, user=None, instance: AuditProgramme | None = None, **kwargs):
        if instance is not None and "data" not in kwargs:
            kwargs["initial"] = {
                "year": instance.year,
                "title": instance.title,
                "sites": list(instance.sites.values_list("pk", flat=True)),
                "objectives": instance.objectives,
            }
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = user_sites(user, "audits.add_auditprogramme").filter(is_active=True)


class AreaForm(forms.Form):
    process = forms.ModelChoiceField(label=_("Process"), queryset=Process.objects.none(), required=False)
    standard = forms.ModelChoiceField(
        label=_("Standard"), queryset=Standard.objects.filter(is_active=True), required=False
    )
    clause = forms.ModelChoiceField(
        label=_("Clause"), queryset=Clause.objects.select_related("standard").order_by("standard__code", "position"),
        required=False,
    )  # fmt: skip
    risk = forms.ChoiceField(label=_("Risk"), choices=RiskLevel.choices, initial=RiskLevel.MEDIUM)
    frequency_override = forms.TypedChoiceField(
        label=_("Frequency (override)"),
        choices=[("", _("Set by the risk")), *Frequency.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    auditor = forms.ModelChoiceField(label=_("Lead auditor"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = Process.objects.restrict(user, "view").filter(is_active=True)
        self.fields["auditor"].queryset = _people()


class AuditForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    planned_date = forms.DateField(label=_("Planned date"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE, required=False)
    processes = forms.ModelMultipleChoiceField(label=_("Processes"), queryset=Process.objects.none(), required=False)
    clauses = forms.ModelMultipleChoiceField(
        label=_("Clauses"), queryset=Clause.objects.select_related("standard").order_by("standard__code", "position"),
        required=False,
    )  # fmt: skip
    scope_note = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    lead_auditor = forms.ModelChoiceField(label=_("Lead auditor"), queryset=Person.objects.none(), required=False)
    auditees = forms.ModelMultipleChoiceField(label=_("Auditees"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args, user=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = user_sites(user, "audits.add_audit").filter(is_active=True)
        self.fields["processes"].queryset = Process.objects.restrict(user, "view").filter(is_active=True)
        self.fields["lead_auditor"].queryset = _people()
        self.fields["auditees"].queryset = _people()


class AuditEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    scope_note = forms.CharField(label=_("Scope"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, user=None, instance: Audit | None = None, **kwargs):
        if instance is not None and "data" not in kwargs:
            kwargs["initial"] = {"title": instance.title, "scope_note": instance.scope_note}
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    lead_auditor = forms.ModelChoiceField(label=_("Lead auditor"), queryset=Person.objects.none(), required=False)
    auditors = forms.ModelMultipleChoiceField(label=_("Co-auditors"), queryset=Person.objects.none(), required=False)
    auditees = forms.ModelMultipleChoiceField(label=_("Auditees"), queryset=Person.objects.none(), required=False)
    reason = REASON

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lead_auditor", "auditors", "auditees"):
            self.fields[name].queryset = _people()


class RescheduleForm(forms.Form):
    planned_date = forms.DateField(label=_("New date"), widget=DATE)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE, required=False)
    reason = REASON


class CancelForm(forms.Form):
    reason = REASON


class FindingForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), choices=FindingGrade.choices)
    clause = forms.ModelChoiceField(label=_("Clause"), queryset=Clause.objects.none())
    process = forms.ModelChoiceField(label=_("Process"), queryset=Process.objects.none(), required=False)
    statement = forms.CharField(label=_("Finding"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence_reference = forms.CharField(label=_("Evidence"), max_length=500)
    checklist_item = forms.ModelChoiceField(label=_("Question"), queryset=ChecklistItem.objects.none(), required=False)

    def __init__(self, *args, audit: Audit, instance: Finding | None = None, **kwargs):
        if instance is not None and "data" not in kwargs:
            kwargs["initial"] = {
                "grade": instance.grade,
                "clause": instance.clause_id,
                "process": instance.process_id,
                "statement": instance.statement,
                "evidence_reference": instance.evidence_reference,
            }
        super().__init__(*args, **kwargs)
        # The list offers the audit's scope only (a phone needs a short list, not the whole library); any clause is
        # accepted by the form, so that a posted clause outside the scope is refused by the service, saying why.
        self.fields["clause"].queryset = Clause.objects.select_related("standard")
        scope = audit.clauses.select_related("standard").order_by("standard__code", "position")
        self.fields["clause"].widget.choices = [("", "---------")] + [
            (c.pk, f"{c.standard.code} {c.number} · {c.title}") for c in scope
        ]
        self.fields["clause"].help_text = _("A clause of the audit's scope.")
        self.fields["process"].queryset = audit.processes.all()
        self.fields["checklist_item"].queryset = audit.items.all()
        if instance is not None:
            del self.fields["checklist_item"]


class RaiseCapaForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Person.objects.none(), required=False)
    due_date = forms.DateField(label=_("Due"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Evidence file"))
