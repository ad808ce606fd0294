from .objective import Objective, ObjectiveReading
from .responsibility import Responsibility

__all__ = ["Objective", "ObjectiveReading", "Responsibility"]
