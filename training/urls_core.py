"""Pages of training: core — courses, materials, curricula, requirements, assignments, records."""

from django.urls import path

from . import views

urlpatterns = [
    path("courses/", views.CourseListView.as_view(), name="course_list"),
    path("courses/add/", views.CourseEditView.as_view(), name="course_add"),
    path("courses/<int:pk>/", views.CourseDetailView.as_view(), name="course_detail"),
    path("courses/<int:pk>/edit/", views.CourseEditView.as_view(), name="course_edit"),
    path("courses/<int:pk>/deactivate/", views.CourseDeactivateView.as_view(), name="course_deactivate"),
    path("materials/", views.MaterialListView.as_view(), name="material_list"),
    path("materials/add/", views.MaterialEditView.as_view(), name="material_add"),
    path("materials/<int:pk>/", views.MaterialDetailView.as_view(), name="material_detail"),
    path("materials/<int:pk>/edit/", views.MaterialEditView.as_view(), name="material_edit"),
    path("materials/<int:pk>/file/", views.MaterialFileView.as_view(), name="material_file"),
    path("materials/<int:pk>/deactivate/", views.MaterialDeactivateView.as_view(), name="material_deactivate"),
    path("curricula/", views.CurriculumListView.as_view(), name="curriculum_list"),
    path("curricula/add/", views.CurriculumEditView.as_view(), name="curriculum_add"),
    path("curricula/<int:pk>/", views.CurriculumDetailView.as_view(), name="curriculum_detail"),
    path("curricula/<int:pk>/edit/", views.CurriculumEditView.as_view(), name="curriculum_edit"),
    path("curricula/<int:pk>/deactivate/", views.CurriculumDeactivateView.as_view(), name="curriculum_deactivate"),
    path("requirements/", views.RequirementListView.as_view(), name="requirement_list"),
    path("requirements/add/", views.RequirementAddView.as_view(), name="requirement_add"),
    path("requirements/<int:pk>/", views.RequirementDetailView.as_view(), name="requirement_detail"),
    path("requirements/<int:pk>/deactivate/", views.RequirementDeactivateView.as_view(), name="requirement_deactivate"),
    path("assignments/", views.AssignmentListView.as_view(), name="assignment_list"),
    path("assignments/add/", views.AssignmentAddView.as_view(), name="assignment_add"),
    path("assignments/<int:pk>/", views.AssignmentDetailView.as_view(), name="assignment_detail"),
    path("assignments/<int:pk>/withdraw/", views.AssignmentWithdrawView.as_view(), name="assignment_withdraw"),
    path("records/", views.RecordListView.as_view(), name="record_list"),
    path("records/<int:pk>/", views.RecordDetailView.as_view(), name="record_detail"),
]
