"""API routes of training: sessions and attendance (URL names ``training-session-list``,
``training-attendance-check-in``, …; included by training/api/urls.py under ``/api/v1/training/``)."""

from rest_framework.routers import SimpleRouter

from .sessions import AttendanceViewSet, TrainingSessionViewSet

router = SimpleRouter()
router.register("sessions", TrainingSessionViewSet, basename="training-session")
router.register("attendances", AttendanceViewSet, basename="training-attendance")

urlpatterns = [*router.urls]
