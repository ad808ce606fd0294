"""Pages of step 5 (``implementation:`` URL names)."""

app_name = "implementation"

urlpatterns: list = []
