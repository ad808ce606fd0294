"""Pages of gap assessments, clause results, heatmap, reports and statements of applicability."""

from django.urls import path

from . import views_gaps as views

urlpatterns = [
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/new/", views.AssessmentCreateView.as_view(), name="assessment_create"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/approve/", views.AssessmentApproveView.as_view(), name="assessment_approve"),
    path("assessments/<int:pk>/report.pdf", views.AssessmentPdfView.as_view(), name="assessment_pdf"),
    path("assessments/<int:pk>/report.xlsx", views.AssessmentXlsxView.as_view(), name="assessment_xlsx"),
    path("assessments/<int:pk>/<slug:step>/", views.AssessmentTransitionView.as_view(), name="assessment_transition"),
    path("results/<int:pk>/", views.ResultEditView.as_view(), name="result_edit"),
    path("results/<int:pk>/answer/", views.ResultQuickView.as_view(), name="result_quick"),
    path("results/<int:pk>/action/", views.ResultActionView.as_view(), name="result_action"),
    path("heatmap/", views.HeatmapView.as_view(), name="heatmap"),
    path("applicability/", views.StatementListView.as_view(), name="statement_list"),
    path("applicability/new/", views.StatementCreateView.as_view(), name="statement_create"),
    path("applicability/<int:pk>/", views.StatementDetailView.as_view(), name="statement_detail"),
    path("applicability/<int:pk>/statement.pdf", views.StatementPdfView.as_view(), name="statement_pdf"),
    path("applicability/<int:pk>/approve/", views.StatementApproveView.as_view(), name="statement_approve"),
    path("applicability/entries/<int:pk>/", views.EntryEditView.as_view(), name="entry_edit"),
]
