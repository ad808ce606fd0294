"""Pages of the management review (``review:`` URL names)."""

from django.urls import path

from . import views

app_name = "review"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="review_list"),
    path("new/", views.ReviewEditView.as_view(), name="review_add"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("<int:pk>/edit/", views.ReviewEditView.as_view(), name="review_edit"),
    path("<int:pk>/hold/", views.ReviewHoldView.as_view(), name="review_hold"),
    path("<int:pk>/decisions/", views.DecisionAddView.as_view(), name="decision_add"),
    path("<int:pk>/actions/", views.ActionAddView.as_view(), name="action_add"),
    path("<int:pk>/sign/", views.ReviewSignView.as_view(), name="review_sign"),
    path("<int:pk>/minutes.pdf", views.MinutesPdfView.as_view(), name="minutes_pdf"),
    path("<int:pk>/pack/", views.PackRequestView.as_view(), name="pack_request"),
    path("<int:pk>/packs/<int:pack_pk>/", views.PackDetailView.as_view(), name="pack_detail"),
    path("<int:pk>/packs/<int:pack_pk>/progress/", views.PackProgressView.as_view(), name="pack_progress"),
    path("<int:pk>/packs/<int:pack_pk>/download/", views.PackDownloadView.as_view(), name="pack_download"),
]
