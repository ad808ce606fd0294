from . import views_packs, views_room

app_name = "evidence"

urlpatterns = [
    *views_packs.urlpatterns,
    *views_room.urlpatterns,
]
