"""Pages of step 6, CAPA (``/capa/…``)."""

from django.urls import path

from . import views

app_name = "capa"

urlpatterns = [
    path("", views.CapaListView.as_view(), name="capa_list"),
    path("new/", views.CapaCreateView.as_view(), name="capa_add"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
    path("<int:pk>/", views.CapaDetailView.as_view(), name="capa_detail"),
    path("<int:pk>/edit/", views.CapaEditView.as_view(), name="capa_edit"),
    path("<int:pk>/step/<str:step>/", views.CapaTransitionView.as_view(), name="capa_transition"),
    path("<int:pk>/rca/", views.CapaRcaView.as_view(), name="capa_rca"),
    path("<int:pk>/actions/new/", views.CapaActionAddView.as_view(), name="action_add"),
    path("<int:pk>/retraining/", views.CapaRetrainingView.as_view(), name="capa_retraining"),
    path("<int:pk>/approve/", views.CapaApproveView.as_view(), name="capa_approve"),
    path("<int:pk>/effectiveness/", views.CapaCheckView.as_view(), name="capa_check"),
    path("<int:pk>/close/", views.CapaCloseView.as_view(), name="capa_close"),
    path("<int:pk>/reopen/", views.CapaReopenView.as_view(), name="capa_reopen"),
    path("<int:pk>/pdf/", views.CapaPdfView.as_view(), name="capa_pdf"),
    path("actions/<int:pk>/done/", views.ActionCompleteView.as_view(), name="action_complete"),
    path("actions/<int:pk>/evidence/", views.ActionEvidenceView.as_view(), name="action_evidence"),
]
