"""Pages of step 3 (``framework:`` URL names)."""

app_name = "framework"

urlpatterns: list = []
