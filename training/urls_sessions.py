"""Pages of training: instructor-led sessions (included by training/urls.py under ``sessions/``)."""

from django.urls import path

from . import views_sessions as views

urlpatterns = [
    path("", views.TrainingSessionListView.as_view(), name="session_list"),
    path("add/", views.TrainingSessionEditView.as_view(), name="session_add"),
    path("check-in/", views.SessionCheckInView.as_view(), name="session_checkin"),
    path("<int:pk>/", views.TrainingSessionDetailView.as_view(), name="session_detail"),
    path("<int:pk>/edit/", views.TrainingSessionEditView.as_view(), name="session_edit"),
    path("<int:pk>/cancel/", views.TrainingSessionCancelView.as_view(), name="session_cancel"),
    path("<int:pk>/close/", views.TrainingSessionCloseView.as_view(), name="session_close"),
    path("<int:pk>/enrol/", views.AttendanceEnrolView.as_view(), name="session_enrol"),
    path("<int:pk>/attendance-sheet.pdf", views.AttendanceSheetView.as_view(), name="session_sheet"),
    path("attendance/<int:pk>/mark/", views.AttendanceMarkView.as_view(), name="attendance_mark"),
    path("attendance/<int:pk>/sign/", views.AttendanceSignView.as_view(), name="attendance_sign"),
]
