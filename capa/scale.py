"""CAPAs at scale (``manage.py seed_scale``)."""


def scale_capa_seed(size_name: str, *, seed: int, log) -> str:
    return "CAPA: nothing seeded yet"
