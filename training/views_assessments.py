"""Pages of competency assessments: take one (phone first), its result and signature, the question bank, and the
trainer's practical sign-off. Each page parses, authorises, calls ``training.assessments`` and renders."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ims.access.permissions import user_can, user_can_any_site
from ims.audit.context import audit_context
from ims.documents.forms import SignatureStepForm
from ims.documents.views import client_ip
from ims.esign.choices import SignatureChannel
from ims.esign.services import SignatureRefused, username_required
from ims.web.concurrency import VERSION_FIELD, StaleEdit, guarded_edit, version_token
from ims.web.views import REASON_FIELD, apply_validation_error, reason_field

from . import assessments
from .choices import AssignmentStatus
from .models import AssessmentSettings, Assignment, Attempt, Choice, Course, Question, QuestionKind, TrainingRecord
from .services import TrainingRefused


class SignForm(SignatureStepForm):
    """User ID (first signing of a session) and password; the statement signed is fixed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]


def _sign_form(request, data=None) -> SignForm:
    return SignForm(data, ask_username=data is not None or username_required(session=request.session))


# --- Taking the assessment (the trainee) ----------------------------------------------------------------------


def _own_assignment(request, pk: int) -> Assignment:
    assignment = get_object_or_404(Assignment._base_manager.select_related("course", "site"), pk=pk)
    if assignment.person_id != request.user.pk:
        raise Http404
    return assignment


class AssessmentTakeView(View):
    """The trainee's start page: what the assessment asks, the retakes left; POST draws the questions."""

    template_name = "training/assessments/take.html"

    def get(self, request, pk: int):
        assignment = _own_assignment(request, pk)
        settings = assessments.settings_for(assignment.course)
        attempts = Attempt._base_manager.filter(assignment=assignment).order_by("-started_at")
        context = {
            "title": _("Assessment: %(course)s") % {"course": assignment.course.title},
            "assignment": assignment,
            "course": assignment.course,
            "settings": settings,
            "attempts": attempts,
            "unfinished": next((a for a in attempts if a.submitted_at is None), None),
            "passed": next((a for a in attempts if a.passed), None),
            "retakes_left": assessments.retakes_left(assignment, settings),
            "can_start": assignment.status == AssignmentStatus.OPEN and assignment.course.has_assessment,
        }
        return TemplateResponse(request, self.template_name, context)

    def post(self, request, pk: int):
        assignment = _own_assignment(request, pk)
        try:
            attempt = assessments.attempt_start(actor=request.user, assignment=assignment)
        except TrainingRefused as refusal:
            messages.error(request, " ".join(refusal.messages))
            return redirect("training:assessment_take", pk=assignment.pk)
        return redirect(attempt.get_absolute_url())


class AttemptDetailView(View):
    """Unfinished and yours: the drawn questions to answer. Submitted: the result, and the signature after a pass."""

    template_name = "training/assessments/attempt.html"

    def attempt(self, pk: int) -> Attempt:
        visible = assessments.attempts_visible(user=self.request.user).select_related(
            "course", "person", "site", "assignment", "record__signature"
        )
        return get_object_or_404(visible, pk=pk)

    def render(self, attempt: Attempt, *, form=None, refusal=None, errors=(), chosen=None, status=200):
        own = attempt.person_id == self.request.user.pk
        answering = own and attempt.submitted_at is None
        context = {
            "title": _("Assessment: %(course)s") % {"course": attempt.course.title},
            "attempt": attempt,
            "course": attempt.course,
            "own": own,
            "answering": answering,
            "questions": assessments.attempt_questions(attempt) if answering else [],
            "chosen_ids": {c for ids in (chosen or {}).values() for c in ids},
            "errors": errors,
        }
        if attempt.submitted_at is not None:
            settings = assessments.settings_for(attempt.course)
            signable = (
                own
                and attempt.passed
                and attempt.record_id is None
                and attempt.assignment.status == AssignmentStatus.OPEN
            )
            context.update(
                correct=attempt.answers.filter(is_correct=True).count(),
                total=len(attempt.question_ids),
                retakes_left=None if attempt.passed else assessments.retakes_left(attempt.assignment, settings),
                retake_open=not attempt.passed and attempt.assignment.status == AssignmentStatus.OPEN,
                signable=signable,
                form=form or (_sign_form(self.request) if signable else None),
                refusal=refusal,
                statement=_("I was trained on %(course)s.")
                % {"course": f"{attempt.course.code} {attempt.course.title}"},
            )
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        return self.render(self.attempt(pk))

    def post(self, request, pk: int):
        attempt = self.attempt(pk)
        if attempt.person_id != request.user.pk:
            raise PermissionDenied(_("This attempt is somebody else's."))
        answers: dict[int, list[int]] = {}
        for question_id in attempt.question_ids:
            values = request.POST.getlist(f"q{question_id}")
            answers[question_id] = [int(v) for v in values if v.isdigit()]
        unanswered = [n for n, q in enumerate(attempt.question_ids, start=1) if not answers[q]]
        if unanswered and attempt.submitted_at is None:
            error = _("Answer every question; not answered: %(numbers)s.") % {
                "numbers": ", ".join(str(n) for n in unanswered)
            }
            return self.render(attempt, errors=[error], chosen=answers, status=400)
        try:
            attempt = assessments.attempt_submit(actor=request.user, attempt=attempt, answers=answers)
        except TrainingRefused as refusal:
            messages.error(request, " ".join(refusal.messages))
            return redirect(attempt.get_absolute_url())
        except ValidationError as error:
            return self.render(attempt, errors=error.messages, chosen=answers, status=400)
        if attempt.passed:
            messages.success(
                request, _("Passed with %(score)s %%. Sign your training record.") % {"score": f"{attempt.score:.0f}"}
            )
        else:
            messages.warning(request, _("Not passed: %(score)s %%.") % {"score": f"{attempt.score:.0f}"})
        return redirect(attempt.get_absolute_url())


class AttemptSignView(AttemptDetailView):
    """POST: the trainee signs "I was trained on …" after a pass."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        attempt = self.attempt(pk)
        if attempt.person_id != request.user.pk:
            raise PermissionDenied(_("This attempt is somebody else's."))
        form = _sign_form(request, request.POST)
        if not form.is_valid():
            return self.render(attempt, form=form, status=400)
        data = form.cleaned_data
        try:
            record = assessments.attempt_sign(
                actor=request.user,
                attempt=attempt,
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except SignatureRefused as refusal:
            return self.render(attempt, form=SignForm(ask_username=True), refusal=refusal, status=refusal.status)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(attempt, form=form, status=409)
        messages.success(request, _("Signed: trained on %(course)s.") % {"course": record.course.code})
        return redirect(attempt.get_absolute_url())


# --- Question bank (quality managers) -------------------------------------------------------------------------


def _bank_course(request, course_pk: int, perm: str = assessments.EDIT_QUESTIONS) -> Course:
    """The course if visible (else 404) and its bank is the user's to keep (else 403)."""
    course = get_object_or_404(Course.objects.restrict(request.user, "view").prefetch_related("sites"), pk=course_pk)
    if not assessments.bank_courses(user=request.user).filter(pk=course.pk).exists():
        raise PermissionDenied(_("You may not keep the question bank of this course."))
    return course


class QuestionBankView(View):
    """The courses with an assessment whose bank the user keeps."""

    def get(self, request):
        if not user_can_any_site(request.user, assessments.EDIT_QUESTIONS):
            raise PermissionDenied(_("You may not keep question banks."))
        courses = assessments.bank_courses(user=request.user).filter(has_assessment=True).order_by("code")
        return TemplateResponse(
            request, "training/assessments/bank.html", {"title": _("Assessment question banks"), "courses": courses}
        )


class QuestionListView(View):
    def get(self, request, course_pk: int):
        course = _bank_course(request, course_pk)
        questions = course.questions.prefetch_related(
            Prefetch("choices", Choice._base_manager.filter(is_active=True).order_by("position", "pk"))
        ).order_by("-is_active", "pk")
        context = {
            "title": _("Questions of %(course)s") % {"course": course.code},
            "course": course,
            "questions": questions,
            "settings": assessments.settings_for(course),
        }
        return TemplateResponse(request, "training/assessments/question_list.html", context)


class QuestionForm(forms.Form):
    """A question and up to MAX_CHOICES answers; blank answers are dropped (existing ones deactivated)."""

    text = forms.CharField(label=gettext_lazy("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=QuestionKind.choices)

    def __init__(self, *args, question: Question | None = None, **kwargs):
        initial = {}
        existing = list(question.choices.filter(is_active=True).order_by("position", "pk")) if question else []
        if question is not None:
            initial.update(text=question.text, kind=question.kind, is_active=question.is_active)
            for i, choice in enumerate(existing):
                initial.update({f"choice_{i}_id": choice.pk, f"choice_{i}_text": choice.text})
                initial[f"choice_{i}_correct"] = choice.is_correct
        super().__init__(*args, initial=initial, **kwargs)
        if question is not None:
            self.fields["is_active"] = forms.BooleanField(label=_("Active (drawn for new attempts)"), required=False)
            self.fields[REASON_FIELD] = reason_field()
        self.existing_ids = {c.pk for c in existing}
        for i in range(assessments.MAX_CHOICES):
            self.fields[f"choice_{i}_id"] = forms.IntegerField(required=False, widget=forms.HiddenInput)
            self.fields[f"choice_{i}_text"] = forms.CharField(
                label=_("Answer %(n)s") % {"n": i + 1}, required=False, max_length=500
            )
            self.fields[f"choice_{i}_correct"] = forms.BooleanField(label=_("correct"), required=False)

    def choice_rows(self):
        return [
            (self[f"choice_{i}_id"], self[f"choice_{i}_text"], self[f"choice_{i}_correct"])
            for i in range(assessments.MAX_CHOICES)
        ]

    def choices_data(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "id": data.get(f"choice_{i}_id") if data.get(f"choice_{i}_id") in self.existing_ids else None,
                "text": data.get(f"choice_{i}_text") or "",
                "is_correct": bool(data.get(f"choice_{i}_correct")),
            }
            for i in range(assessments.MAX_CHOICES)
        ]


class QuestionEditView(View):
    """New question (``course_pk``) or edit (``pk``, with a reason for change)."""

    template_name = "training/assessments/question_edit.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.question = None

    @classmethod
    def user_may_open(cls, user, **url_kwargs) -> bool:
        """Editing a question needs its change permission; adding one, the bank of the course (as dispatch)."""
        if "pk" in url_kwargs:
            question = Question.objects.restrict(user, "view").filter(pk=url_kwargs["pk"]).first()
            return question is not None and user_can(user, "change", question)
        return assessments.bank_courses(user=user).filter(pk=url_kwargs.get("course_pk")).exists()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        if "pk" in kwargs:
            self.question = get_object_or_404(
                Question.objects.restrict(request.user, "view").select_related("course"), pk=kwargs["pk"]
            )
            if not user_can(request.user, "change", self.question):
                raise PermissionDenied(_("You may view this question but not change it."))
            self.course = self.question.course
        else:
            self.course = _bank_course(request, kwargs["course_pk"], assessments.ADD_QUESTIONS)
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def answers(question: Question):
        """The answers edited with the question: part of the version the form was opened at."""
        return Choice._base_manager.filter(question=question).order_by("pk")

    def render(self, form, status=200, stale_url=None):
        context = {
            "title": _("Edit question") if self.question else _("New question"),
            "course": self.course,
            "question": self.question,
            "form": form,
            "version_field": VERSION_FIELD,
            # The version the form was opened at; a re-shown form keeps the one it was opened at.
            "version": (
                self.request.POST.get(VERSION_FIELD) or version_token(self.question, self.answers(self.question))
            )
            if self.question
            else None,
            "stale_url": stale_url,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, **kwargs):
        return self.render(QuestionForm(question=self.question))

    def post(self, request, **kwargs):
        form = QuestionForm(request.POST, question=self.question)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with audit_context(reason=data.get(REASON_FIELD) or None):
                    if self.question is None:
                        assessments.question_create(
                            actor=request.user,
                            course=self.course,
                            text=data["text"],
                            kind=data["kind"],
                            choices=form.choices_data(),
                        )
                    else:
                        seen = request.POST.get(VERSION_FIELD) or None
                        with guarded_edit(self.question, seen, related=self.answers):
                            assessments.question_update(
                                actor=request.user,
                                question=self.question,
                                text=data["text"],
                                kind=data["kind"],
                                is_active=data.get("is_active", False),
                                choices=form.choices_data(),
                            )
            except StaleEdit as stale:
                form.add_error(None, stale.message)
                url = reverse("training:question_edit", args=[self.question.pk])
                return self.render(form, status=409, stale_url=url)
            except ValidationError as error:
                apply_validation_error(form, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Question saved."))
                return redirect("training:question_list", course_pk=self.course.pk)
        messages.error(request, _("Please correct the errors below; nothing was saved."))
        return self.render(form, status=400)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = AssessmentSettings
        fields = ["pass_mark", "questions_per_attempt", "random_order", "retake_limit"]


class AssessmentSettingsEditView(View):
    """Pass mark, questions per attempt, order and retakes; a change (not the first setting) needs a reason."""

    template_name = "web/object_edit.html"

    def form(self, course, data=None):
        current = AssessmentSettings.objects.filter(course=course).first()
        form = SettingsForm(data, instance=current or AssessmentSettings(course=course))
        if current is not None:
            form.fields[REASON_FIELD] = reason_field()
        return form

    def render(self, course, form, status=200, stale_url=None):
        current = form.instance if form.instance.pk else None
        context = {
            "title": _("Assessment settings of %(course)s") % {"course": course.code},
            "object": None,
            "model_name": _("assessment settings"),
            "list_url": reverse("training:question_list", args=[course.pk]),
            "cancel_url": reverse("training:question_list", args=[course.pk]),
            "form": form,
            "version_field": VERSION_FIELD,
            # The version the form was opened at (the first setting has none); a re-shown form keeps it.
            "version": (self.request.POST.get(VERSION_FIELD) or version_token(current)) if current else None,
            "stale_url": stale_url,
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, course_pk: int):
        course = _bank_course(request, course_pk)
        return self.render(course, self.form(course))

    def post(self, request, course_pk: int):
        course = _bank_course(request, course_pk)
        form = self.form(course, request.POST)
        if form.is_valid():
            data = {name: form.cleaned_data[name] for name in SettingsForm.Meta.fields}
            current = form.instance if form.instance.pk else None
            try:
                with audit_context(reason=form.cleaned_data.get(REASON_FIELD) or None):
                    if current is None:
                        assessments.settings_update(actor=request.user, course=course, **data)
                    else:
                        with guarded_edit(current, request.POST.get(VERSION_FIELD) or None):
                            assessments.settings_update(actor=request.user, course=course, **data)
            except StaleEdit as stale:
                form.add_error(None, stale.message)
                url = reverse("training:assessment_settings", args=[course.pk])
                return self.render(course, form, status=409, stale_url=url)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("Assessment settings saved."))
                return redirect("training:question_list", course_pk=course.pk)
        return self.render(course, form, status=400)


# --- Practical skills (trainers) ------------------------------------------------------------------------------


class VerifyListView(View):
    """Signed records of practical courses waiting for a trainer at the user's sites."""

    def get(self, request):
        if not user_can_any_site(request.user, assessments.VERIFY_RECORDS):
            raise PermissionDenied(_("You may not verify practical skills."))
        records = assessments.records_to_verify(user=request.user).order_by("completed_on", "pk")[:200]
        return TemplateResponse(
            request,
            "training/assessments/verify_list.html",
            {"title": _("Practical skills to verify"), "records": records},
        )


class RecordVerifyView(View):
    """GET: the record and the e-signature form; POST: sign "verified"."""

    template_name = "training/assessments/verify.html"

    def record(self, pk: int) -> TrainingRecord:
        record = get_object_or_404(
            TrainingRecord.objects.restrict(self.request.user, "view").select_related(
                "person", "course", "site", "verified_by", "signature"
            ),
            pk=pk,
        )
        if not user_can(self.request.user, "verify", record):
            raise PermissionDenied(_("You may not verify practical skills at this site."))
        return record

    def render(self, record, form, refusal=None, status=200):
        own = record.person_id == self.request.user.pk
        context = {
            "title": _("Verify practical skill"),
            "record": record,
            "own": own,
            "verifiable": not own
            and record.course.requires_practical
            and record.signature_id is not None
            and record.verified_at is None,
            "form": form,
            "refusal": refusal,
            "statement": assessments.verify_statement(record),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        return self.render(self.record(pk), _sign_form(request))

    def post(self, request, pk: int):
        record = self.record(pk)
        form = _sign_form(request, request.POST)
        if not form.is_valid():
            return self.render(record, form, status=400)
        data = form.cleaned_data
        try:
            assessments.record_verify(
                actor=request.user,
                record=record,
                password=data["password"],
                username=data.get("username"),
                session=request.session,
                channel=SignatureChannel.WEB,
                ip=client_ip(request),
            )
        except SignatureRefused as refusal:
            return self.render(record, SignForm(ask_username=True), refusal=refusal, status=refusal.status)
        except ValidationError as error:
            apply_validation_error(form, error)
            return self.render(record, form, status=409)
        messages.success(request, assessments.verify_statement(record))
        return redirect("training:record_verify_list")
