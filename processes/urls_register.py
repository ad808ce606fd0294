"""Pages of the process register and the process landscape."""

urlpatterns: list = []
