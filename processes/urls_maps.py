"""Pages of process maps (BPMN modeler, viewer, import and export)."""

urlpatterns: list = []
