"""Forms of the checklist templates: the template itself and one question (clause by search-as-you-type)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ims.web.lookups import SearchSelect
from processes.models import Clause, Process

from .checklists import QUESTION_MAX_LENGTH
from .models import ChecklistTemplate, TemplateQuestion


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    clause_question = forms.CharField(
        label=_("Question for a clause without its own"),
        max_length=300,
        help_text=_("{clause} is replaced by the clause's standard, number and title."),
    )
    is_default = forms.BooleanField(
        label=_("Default template"),
        required=False,
        help_text=_("Its clause question is asked in every audit; the previous default stops being one."),
    )

    def __init__(self, *args, user=None, instance: ChecklistTemplate | None = None, **kwargs):
        if instance is not None and "data" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "clause_question": instance.clause_question,
                "is_default": instance.is_default,
            }
        super().__init__(*args, **kwargs)
        if instance is None:
            self.fields["clause_question"].initial = ChecklistTemplate._meta.get_field("clause_question").default


class QuestionForm(forms.Form):
    """A question for a clause (searched in the library as one types, never a select of every clause) or a
    process of the user's sites."""

    text = forms.CharField(
        label=_("Question"), max_length=QUESTION_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    clause = forms.ModelChoiceField(
        label=_("Clause"),
        queryset=Clause.objects.select_related("standard"),
        required=False,
        widget=SearchSelect(lookup="processes-clause", attrs={"aria_label": _("Clause")}),
        help_text=_("Type the standard, the clause number or words of its title."),
    )
    process = forms.ModelChoiceField(label=_("Process"), queryset=Process.objects.none(), required=False)
    position = forms.IntegerField(
        label=_("Position"), min_value=0, required=False, help_text=_("Empty: after the last question.")
    )

    def __init__(self, *args, user=None, instance: TemplateQuestion | None = None, **kwargs):
        if instance is not None and "data" not in kwargs:
            kwargs["initial"] = {
                "text": instance.text,
                "clause": instance.clause_id,
                "process": instance.process_id,
                "position": instance.position,
            }
        super().__init__(*args, **kwargs)
        self.fields["clause"].label_from_instance = lambda c: f"{c.standard} {c.number} · {c.title}"
        processes = Process.objects.restrict(user, "view").filter(is_active=True)
        if instance is not None and instance.process_id:
            processes = Process.objects.restrict(user, "view").filter(pk=instance.process_id) | processes
        self.fields["process"].queryset = processes.order_by("code")
        self.fields["process"].label_from_instance = lambda p: f"{p.code} · {p.name}"
