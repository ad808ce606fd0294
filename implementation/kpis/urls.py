"""Pages of step 5 (``kpis:`` URL names)."""

app_name = "kpis"

urlpatterns: list = []
