"""Pages of gap assessments, clause results, heatmap, reports and statements of applicability."""

urlpatterns: list = []
