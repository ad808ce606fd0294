"""Pages of step 5 (``implementation:`` URL names): rollout plans, their phases, tasks and criteria, the go-live
gate and waivers, the rollout heat map."""

from django.urls import path

from . import views

app_name = "implementation"

urlpatterns = [
    path("", views.PlanListView.as_view(), name="plan_list"),
    path("heatmap/", views.HeatmapView.as_view(), name="heatmap"),
    path("plans/add/", views.PlanEditView.as_view(), name="plan_add"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", views.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/go-live/", views.GoLiveSignView.as_view(), name="plan_golive"),
    path("plans/<int:plan>/phases/add/", views.PhaseEditView.as_view(), name="phase_add"),
    path("phases/<int:pk>/edit/", views.PhaseEditView.as_view(), name="phase_edit"),
    path("plans/<int:plan>/tasks/add/", views.TaskEditView.as_view(), name="task_add"),
    path("tasks/<int:pk>/edit/", views.TaskEditView.as_view(), name="task_edit"),
    path("plans/<int:plan>/criteria/add/", views.CriterionEditView.as_view(), name="criterion_add"),
    path("criteria/<int:pk>/edit/", views.CriterionEditView.as_view(), name="criterion_edit"),
    path("criteria/<int:pk>/waive/", views.WaiverSignView.as_view(), name="criterion_waive"),
]
