"""Pages of step 5 (``feedback:`` URL names)."""

from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("", views.FeedbackListView.as_view(), name="feedback_list"),
    path("send/", views.FeedbackSubmitView.as_view(), name="submit"),
    path("mine/", views.MyFeedbackView.as_view(), name="my_feedback"),
    path("statistics/", views.FeedbackStatisticsView.as_view(), name="statistics"),
    path("kiosks/", views.KioskPosterView.as_view(), name="kiosk_posters"),
    path("kiosk/<str:site_code>/<str:token>/", views.KioskFeedbackView.as_view(), name="kiosk"),
    path("<int:pk>/", views.FeedbackDetailView.as_view(), name="feedback_detail"),
    path("<int:pk>/triage/", views.FeedbackTriageView.as_view(), name="feedback_triage"),
]
