"""Pages of the IMS manual (``manual:`` URL names)."""

from django.urls import path

from . import views, views_editor

app_name = "manual"

urlpatterns = [
    path("", views.ManualListView.as_view(), name="manual_list"),
    path("add/", views.ManualAddView.as_view(), name="manual_add"),
    path("<int:pk>/", views.ManualDetailView.as_view(), name="manual_detail"),
    path("<int:pk>/new-draft/", views.NewDraftView.as_view(), name="new_draft"),
    path("versions/<int:pk>/edit/", views_editor.SectionEditorView.as_view(), name="section_editor"),
    path("versions/<int:pk>/print/", views.ManualPrintView.as_view(), name="manual_print"),
    path("versions/<int:pk>/pdf/", views.ManualFileView.as_view(kind="pdf"), name="manual_pdf"),
    path("versions/<int:pk>/docx/", views.ManualFileView.as_view(kind="docx"), name="manual_docx"),
    path("versions/<int:pk>/annex/<int:site>/", views.AnnexEditView.as_view(), name="annex_edit"),
    path("sections/<int:pk>/edit/", views.SectionEditView.as_view(), name="section_edit"),
    path("annexes/", views.AnnexListView.as_view(), name="annex_list"),
    path("annexes/<int:pk>/", views.AnnexDetailView.as_view(), name="annex_detail"),
]
