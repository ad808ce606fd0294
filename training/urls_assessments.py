"""Pages of training: assessments (included by training/urls.py under ``assessments/``)."""

from django.urls import path

from . import views_assessments as views

urlpatterns = [
    path("", views.QuestionBankView.as_view(), name="question_bank"),
    path("assignments/<int:pk>/", views.AssessmentTakeView.as_view(), name="assessment_take"),
    path("attempts/<int:pk>/", views.AttemptDetailView.as_view(), name="attempt_detail"),
    path("attempts/<int:pk>/sign/", views.AttemptSignView.as_view(), name="attempt_sign"),
    path("courses/<int:course_pk>/questions/", views.QuestionListView.as_view(), name="question_list"),
    path("courses/<int:course_pk>/questions/new/", views.QuestionEditView.as_view(), name="question_add"),
    path("courses/<int:course_pk>/settings/", views.AssessmentSettingsEditView.as_view(), name="assessment_settings"),
    path("questions/<int:pk>/edit/", views.QuestionEditView.as_view(), name="question_edit"),
    path("verify/", views.VerifyListView.as_view(), name="record_verify_list"),
    path("records/<int:pk>/verify/", views.RecordVerifyView.as_view(), name="record_verify"),
]
