"""Pages of step 3 (``framework:`` URL names)."""

from django.urls import path

from . import views, views_matrix, views_monitoring

app_name = "framework"

urlpatterns = [
    path("procedures/", views.ProcedureListView.as_view(), name="procedure_list"),
    path("procedures/<int:pk>/", views.ProcedureDetailView.as_view(), name="procedure_detail"),
    path("procedures/drafts/", views_matrix.DraftGroupsView.as_view(), name="procedure_drafts"),
    path("procedures/drafts/new/", views_matrix.DraftProcedureView.as_view(), name="procedure_draft"),
    path("matrix/", views_matrix.MatrixView.as_view(), name="matrix"),
    path("records/", views.ProcedureRecordListView.as_view(), name="procedurerecord_list"),
    path("records/add/", views.ProcedureRecordEditView.as_view(), name="procedurerecord_add"),
    path("records/<int:pk>/", views.ProcedureRecordDetailView.as_view(), name="procedurerecord_detail"),
    path("records/<int:pk>/edit/", views.ProcedureRecordEditView.as_view(), name="procedurerecord_edit"),
    path("records/<int:pk>/retire/", views.ProcedureRecordRetireView.as_view(), name="procedurerecord_retire"),
    path("monitoring/", views_monitoring.MonitoringPlanView.as_view(), name="monitoring_plan"),
    path("monitoring/add/", views_monitoring.MonitoringPlanItemEditView.as_view(), name="monitoringplanitem_add"),
    path(
        "monitoring/<int:pk>/",
        views_monitoring.MonitoringPlanItemDetailView.as_view(),
        name="monitoringplanitem_detail",
    ),
    path(
        "monitoring/<int:pk>/edit/",
        views_monitoring.MonitoringPlanItemEditView.as_view(),
        name="monitoringplanitem_edit",
    ),
    path(
        "monitoring/<int:pk>/retire/",
        views_monitoring.MonitoringPlanItemRetireView.as_view(),
        name="monitoringplanitem_retire",
    ),
]
