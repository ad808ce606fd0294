"""Demo CAPAs (``manage.py seed_demo``)."""


def capa_demo_seed() -> str:
    return "CAPA: nothing seeded yet"
