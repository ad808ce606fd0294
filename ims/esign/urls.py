app_name = "esign"
urlpatterns: list = []
