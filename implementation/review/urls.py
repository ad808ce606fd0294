"""Pages of step 5 (``review:`` URL names)."""

app_name = "review"

urlpatterns: list = []
