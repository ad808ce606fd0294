"""No lost updates: of two people editing the same record, the second save is refused with 409 and the name
and time of the change they missed; nothing of theirs is written. Pages carry the version in a hidden field,
the API as ETag / If-Match."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from ims.org.models import Function

pytestmark = pytest.mark.django_db

REASON = "Aligned with the org chart"


def version_in(page: str) -> str:
    match = re.search(r'name="_version" value="([0-9a-f]+)"', page)
    assert match, "the edit form carries no version"
    return match.group(1)


def test_the_second_of_two_page_edits_is_refused_and_changes_nothing(org, client_for):
    edit = reverse("org:function_edit", args=[org.qa.pk])
    first, second = client_for(org.admin), client_for(org.admin)
    seen_first = version_in(first.get(edit).content.decode())
    seen_second = version_in(second.get(edit).content.decode())
    assert seen_first == seen_second

    saved = first.post(
        edit, {"code": "QA", "name": "Quality Assurance & Control", "_version": seen_first, "change_reason": REASON}
    )
    assert saved.status_code == 302
    stale = second.post(
        edit, {"code": "QA", "name": "Quality Unit", "_version": seen_second, "change_reason": "My own edit"}
    )
    body = stale.content.decode()
    assert stale.status_code == 409
    assert "changed by global_admin" in body and "Nothing of yours was saved" in body
    assert f'href="{Function.objects.get(pk=org.qa.pk).get_absolute_url()}"' in body  # the current state
    assert Function.objects.get(pk=org.qa.pk).name == "Quality Assurance & Control"

    fresh = version_in(second.get(edit).content.decode())  # reopened: the change goes through
    again = second.post(edit, {"code": "QA", "name": "Quality Unit", "_version": fresh, "change_reason": REASON})
    assert again.status_code == 302 and Function.objects.get(pk=org.qa.pk).name == "Quality Unit"


def test_the_api_gives_an_etag_and_refuses_a_stale_if_match(org, client_for):
    detail = reverse("function-detail", args=[org.qa.pk])
    client = client_for(org.admin)
    read = client.get(detail)
    tag = read["ETag"]
    assert tag and tag.startswith('"')

    def patch(body: dict, if_match: str | None):
        headers = {"HTTP_X_CHANGE_REASON": REASON}
        if if_match:
            headers["HTTP_IF_MATCH"] = if_match
        return client.patch(detail, json.dumps(body), content_type="application/json", **headers)

    first = patch({"description": "First"}, tag)
    assert first.status_code == 200 and first["ETag"] != tag
    stale = patch({"description": "Second, from an old read"}, tag)
    assert stale.status_code == 409
    assert "changed by global_admin" in stale.json()["detail"]
    assert Function.objects.get(pk=org.qa.pk).description == "First"
    assert patch({"description": "Third"}, first["ETag"]).status_code == 200
    missing = patch({"description": "Without a version"}, None)
    assert missing.status_code == 428 and "If-Match" in missing.json()["detail"]  # every update names its version
    assert Function.objects.get(pk=org.qa.pk).description == "Third"
    assert patch({"description": "Whatever it holds now"}, "*").status_code == 200  # an explicit overwrite


def _edit_views():
    from django.urls import get_resolver

    from ims.web.views import ObjectEditView

    def walk(patterns):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns)
            else:
                view = getattr(pattern.callback, "view_class", None)
                if view is not None and issubclass(view, ObjectEditView):
                    yield view

    return sorted(set(walk(get_resolver().url_patterns)), key=lambda v: v.__qualname__)


@pytest.mark.parametrize("view", _edit_views(), ids=lambda v: v.__qualname__)
def test_every_edit_page_carries_the_version(view):
    from django.template.loader import get_template

    source = get_template(view.template_name).template.source
    assert "edit_version.html" in source or "web/object_edit.html" in source, view.template_name


def test_a_question_and_its_answers_edited_by_two_trainers_refuses_the_second(org, client_for):
    """The version of a question's form covers its answers: a change to an answer alone makes it stale."""
    from tests.training.test_assessments import bank
    from training import assessments
    from training.models import Question

    course = bank(org.site_a, questions=1)
    question = Question.objects.get(course=course)
    edit = reverse("training:question_edit", args=[question.pk])
    first, second = client_for(org.qm_a), client_for(org.qm_a)
    seen_first = version_in(first.get(edit).content.decode())
    seen_second = version_in(second.get(edit).content.decode())
    answers = list(question.choices.order_by("position").values_list("pk", "text"))
    form = {"text": "Single 0?", "kind": "single", "is_active": "on", "change_reason": REASON}
    for index, (pk, text) in enumerate(answers):
        form |= {f"choice_{index}_id": pk, f"choice_{index}_text": text}
    form["choice_0_correct"] = "on"

    # Only an answer changes (through the service, as another page would): the question row does not.
    right = question.choices.get(text="right")
    assessments.question_update(
        actor=None, question=question, text="Single 0?", kind="single", is_active=True,
        choices=[{"id": pk, "text": "right (sterile)" if pk == right.pk else text, "is_correct": pk == right.pk}
                 for pk, text in answers],
    )  # fmt: skip
    stale = first.post(edit, {**form, "_version": seen_first, "text": "Reworded?"})
    assert stale.status_code == 409 and "Nothing of yours was saved" in stale.content.decode()
    assert Question.objects.get(pk=question.pk).text == "Single 0?"
    assert second.post(edit, {**form, "_version": seen_second}).status_code == 409

    fresh = version_in(first.get(edit).content.decode())
    assert first.post(edit, {**form, "_version": fresh, "text": "Reworded?"}).status_code == 302
    assert Question.objects.get(pk=question.pk).text == "Reworded?"


def test_assessment_settings_edited_by_two_trainers_refuses_the_second(org, client_for):
    from tests.training.test_assessments import bank
    from training.models import AssessmentSettings

    course = bank(org.site_a, questions=3, pass_mark=80)
    url = reverse("training:assessment_settings", args=[course.pk])
    first, second = client_for(org.qm_a), client_for(org.qm_a)
    seen_first = version_in(first.get(url).content.decode())
    seen_second = version_in(second.get(url).content.decode())
    base = {"questions_per_attempt": "", "retake_limit": "2", "change_reason": REASON}
    assert first.post(url, {**base, "pass_mark": "90", "_version": seen_first}).status_code == 302
    stale = second.post(url, {**base, "pass_mark": "70", "_version": seen_second})
    assert stale.status_code == 409 and "changed by" in stale.content.decode()
    assert AssessmentSettings.objects.get(course=course).pass_mark == 90
