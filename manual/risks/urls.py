"""Pages of step 3 (``risks:`` URL names)."""

app_name = "risks"

urlpatterns: list = []
