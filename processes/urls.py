"""Pages of step 2 (``/processes/…``): the standards library, the process register and maps, gap analysis."""

from . import urls_gaps, urls_library, urls_maps, urls_register

app_name = "processes"

urlpatterns = urls_library.urlpatterns + urls_register.urlpatterns + urls_maps.urlpatterns + urls_gaps.urlpatterns
