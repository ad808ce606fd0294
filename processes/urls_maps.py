"""Pages of process maps (BPMN modeler, viewer, import and export)."""

from django.urls import path

from . import views_maps

urlpatterns = [
    path("maps/", views_maps.MapListView.as_view(), name="map_list"),
    path("maps/add/", views_maps.MapCreateView.as_view(), name="map_create"),
    path("maps/<int:pk>/", views_maps.MapDetailView.as_view(), name="map_detail"),
    path("maps/<int:pk>/import/", views_maps.MapImportView.as_view(), name="map_import"),
    path("maps/<int:pk>/new-version/", views_maps.MapNewVersionView.as_view(), name="map_new_version"),
    path("maps/versions/<int:pk>/modeler/", views_maps.MapEditView.as_view(), name="map_edit"),
    path("maps/versions/<int:pk>/bpmn/", views_maps.MapBpmnView.as_view(), name="map_bpmn"),
    path("maps/versions/<int:pk>/svg/", views_maps.MapSvgView.as_view(), name="map_svg"),
    path("maps/diagrams/", views_maps.MapDiagramListView.as_view(), name="mapdiagram_list"),
    path("maps/diagrams/<int:pk>/", views_maps.MapDiagramDetailView.as_view(), name="mapdiagram_detail"),
]
