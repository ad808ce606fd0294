"""Pages of internal audits (``/audits/…``)."""

from django.urls import path

from . import views, views_templates

app_name = "audits"

urlpatterns = [
    path("", views.AuditListView.as_view(), name="audit_list"),
    path("new/", views.AuditCreateView.as_view(), name="audit_add"),
    path("<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path("<int:pk>/edit/", views.AuditEditView.as_view(), name="audit_edit"),
    path("<int:pk>/team/", views.AuditAssignView.as_view(), name="audit_assign"),
    path("<int:pk>/reschedule/", views.AuditRescheduleView.as_view(), name="audit_reschedule"),
    path("<int:pk>/cancel/", views.AuditCancelView.as_view(), name="audit_cancel"),
    path("<int:pk>/start/", views.AuditStartView.as_view(), name="audit_start"),
    path("<int:pk>/checklist/", views.ChecklistView.as_view(), name="checklist"),
    path("<int:pk>/findings/new/", views.FindingAddView.as_view(), name="finding_add"),
    path("<int:pk>/report.pdf", views.AuditPdfView.as_view(), name="audit_pdf"),
    path("<int:pk>/sign/<slug:step>/", views.AuditSignView.as_view(), name="audit_sign"),
    path("questions/<int:pk>/answer/", views.ItemAnswerView.as_view(), name="item_answer"),
    path("questions/<int:pk>/evidence/", views.EvidenceUploadView.as_view(), name="evidence_upload"),
    path("evidence/<int:pk>/", views.EvidenceDownloadView.as_view(), name="evidence_download"),
    path("findings/", views.FindingListView.as_view(), name="finding_list"),
    path("findings/<int:pk>/", views.FindingDetailView.as_view(), name="finding_detail"),
    path("findings/<int:pk>/edit/", views.FindingEditView.as_view(), name="finding_edit"),
    path("findings/<int:pk>/capa/", views.FindingCapaView.as_view(), name="finding_capa"),
    path("programmes/", views.ProgrammeListView.as_view(), name="programme_list"),
    path("programmes/new/", views.ProgrammeEditView.as_view(), name="programme_add"),
    path("programmes/<int:pk>/", views.ProgrammeDetailView.as_view(), name="programme_detail"),
    path("programmes/<int:pk>/edit/", views.ProgrammeEditView.as_view(), name="programme_edit"),
    path("programmes/<int:pk>/areas/", views.AreaAddView.as_view(), name="area_add"),
    path("programmes/<int:pk>/schedule/", views.ProgrammeScheduleView.as_view(), name="programme_schedule"),
    path("areas/<int:pk>/", views.AreaEditView.as_view(), name="area_edit"),
    path("templates/", views_templates.TemplateListView.as_view(), name="template_list"),
    path("templates/new/", views_templates.TemplateEditView.as_view(), name="template_add"),
    path("templates/<int:pk>/", views_templates.TemplateDetailView.as_view(), name="template_detail"),
    path("templates/<int:pk>/edit/", views_templates.TemplateEditView.as_view(), name="template_edit"),
    path(
        "templates/<int:pk>/deactivate/", views_templates.TemplateDeactivateView.as_view(), name="template_deactivate"
    ),
    path("templates/<int:pk>/questions/new/", views_templates.QuestionAddView.as_view(), name="question_add"),
    path("templates/questions/<int:pk>/edit/", views_templates.QuestionEditView.as_view(), name="question_edit"),
    path(
        "templates/questions/<int:pk>/deactivate/",
        views_templates.QuestionDeactivateView.as_view(),
        name="question_deactivate",
    ),
    path("mine/", views.MyAuditsView.as_view(), name="my_audits"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("trends/", views.TrendsView.as_view(), name="trends"),
]
