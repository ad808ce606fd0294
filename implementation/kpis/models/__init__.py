from .kpi import Kpi
from .reading import KpiSignal, Reading

__all__ = ["Kpi", "KpiSignal", "Reading"]
