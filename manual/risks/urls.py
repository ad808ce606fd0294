"""Pages of step 3's register (``risks:`` URL names)."""

from django.urls import path

from . import views, views_import, views_obligations, views_reports

app_name = "risks"

urlpatterns = [
    path("", views.EntryListView.as_view(), name="entry_list"),
    path("entries/add/", views.EntryEditView.as_view(), name="entry_create"),
    path("entries/import/", views_import.RegisterImportView.as_view(), name="entry_import"),
    path("entries/<int:pk>/", views.EntryDetailView.as_view(), name="entry_detail"),
    path("entries/<int:pk>/edit/", views.EntryEditView.as_view(), name="entry_edit"),
    path("entries/<int:pk>/retire/", views.EntryRetireView.as_view(), name="entry_retire"),
    path("entries/<int:pk>/review/", views.entry_review, name="entry_review"),
    path("entries/<int:pk>/controls/add/", views.ControlCreateView.as_view(), name="control_create"),
    path("significant-aspects/", views.SignificantAspectListView.as_view(), name="significant_aspects"),
    path("overdue-reviews/", views.OverdueReviewListView.as_view(), name="overdue_reviews"),
    path("controls/", views.ControlListView.as_view(), name="control_list"),
    path("controls/<int:pk>/", views.ControlDetailView.as_view(), name="control_detail"),
    path("controls/<int:pk>/edit/", views.ControlEditView.as_view(), name="control_edit"),
    path("controls/<int:pk>/retire/", views.ControlRetireView.as_view(), name="control_retire"),
    path("heatmap/", views_reports.HeatmapView.as_view(), name="heatmap"),
    path("top-risks/", views_reports.TopRisksView.as_view(), name="top_risks"),
    path("scoring/", views.ScoringMethodListView.as_view(), name="scoring_list"),
    path("scoring/<str:discipline>/edit/", views.ScoringMethodEditView.as_view(), name="scoring_edit"),
    path("obligations/", views_obligations.ObligationListView.as_view(), name="obligation_list"),
    path("obligations/add/", views_obligations.ObligationEditView.as_view(), name="obligation_create"),
    path("obligations/<int:pk>/", views_obligations.ObligationDetailView.as_view(), name="obligation_detail"),
    path("obligations/<int:pk>/edit/", views_obligations.ObligationEditView.as_view(), name="obligation_edit"),
    path(
        "obligations/<int:pk>/withdraw/", views_obligations.ObligationWithdrawView.as_view(), name="obligation_withdraw"
    ),
    path("obligations/<int:pk>/evaluate/", views_obligations.EvaluationRecordView.as_view(), name="evaluation_create"),
    path("evaluations/", views_obligations.EvaluationListView.as_view(), name="evaluation_list"),
    path("evaluations/<int:pk>/", views_obligations.EvaluationDetailView.as_view(), name="evaluation_detail"),
    path("evaluations/<int:pk>/edit/", views_obligations.EvaluationEditView.as_view(), name="evaluation_edit"),
]
