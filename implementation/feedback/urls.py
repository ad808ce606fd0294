"""Pages of step 5 (``feedback:`` URL names)."""

app_name = "feedback"

urlpatterns: list = []
