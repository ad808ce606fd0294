from . import packs, room

urlpatterns = [*packs.urlpatterns, *room.urlpatterns]
