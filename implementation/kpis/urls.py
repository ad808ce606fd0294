"""Pages of step 5 (``kpis:`` URL names)."""

from django.urls import path

from . import views

app_name = "kpis"

urlpatterns = [
    path("", views.KpiListView.as_view(), name="kpi_list"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("add/", views.KpiEditView.as_view(), name="kpi_add"),
    path("<int:pk>/", views.KpiDetailView.as_view(), name="kpi_detail"),
    path("<int:pk>/charts.pdf", views.KpiPdfView.as_view(), name="kpi_pdf"),
    path("<int:pk>/edit/", views.KpiEditView.as_view(), name="kpi_edit"),
    path("<int:pk>/retire/", views.KpiRetireView.as_view(), name="kpi_retire"),
    path("readings/", views.ReadingListView.as_view(), name="reading_list"),
    path("readings/<int:pk>/", views.ReadingDetailView.as_view(), name="reading_detail"),
    path("signals/", views.SignalListView.as_view(), name="signal_list"),
    path("signals/<int:pk>/", views.SignalDetailView.as_view(), name="signal_detail"),
    path("readings/add/", views.ReadingAddView.as_view(), name="reading_add"),
    path("readings/import/", views.ReadingImportView.as_view(), name="reading_import"),
    path("readings/<int:pk>/correct/", views.ReadingCorrectView.as_view(), name="reading_correct"),
    path("readings/<int:pk>/void/", views.ReadingVoidView.as_view(), name="reading_void"),
    path("signals/<int:pk>/dismiss/", views.SignalDismissView.as_view(), name="signal_dismiss"),
    path("signals/<int:pk>/capa/", views.SignalCapaView.as_view(), name="signal_capa"),
]
