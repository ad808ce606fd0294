"""API routes of training: assessments (included by training/api/urls.py).

URL names ``training-attempt-list``, ``training-attempt-submit``, ``training-attempt-sign``,
``training-question-list``, ``training-record-verify``.
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .assessments import AttemptViewSet, QuestionViewSet, RecordVerifyApi

router = SimpleRouter()
router.register("attempts", AttemptViewSet, basename="training-attempt")
router.register("questions", QuestionViewSet, basename="training-question")

urlpatterns = [
    path("records/<int:pk>/verify/", RecordVerifyApi.as_view(), name="training-record-verify"),
    *router.urls,
]
