from .objective import Objective, ObjectiveReading

__all__ = ["Objective", "ObjectiveReading"]
