"""Step 2 — standards library, process register and maps, gap assessments."""

from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "processes"
    verbose_name = "Processes and gap analysis"

    def demo_seed(self) -> str:
        """Called by ``manage.py seed_demo``."""
        from .demo import processes_demo_seed

        return processes_demo_seed()

    def ready(self) -> None:
        from .library import library_ready
        from .maps import maps_ready

        library_ready()  # the clause lookup of the search boxes
        maps_ready()  # process maps: BPMN content in the document-control kernel

    def scale_seed(self, size_name: str, seed: int, log) -> str:
        """Processes, maps, document–clause links and gap assessments at scale (``manage.py seed_scale``)."""
        from .scale import scale_processes_seed

        return scale_processes_seed(size_name, seed=seed, log=log)
