"""Pages of step 3 (``manual:`` URL names)."""

app_name = "manual"

urlpatterns: list = []
