"""Step 3 records: what each procedure produces, and the monitoring and measurement plan of each process."""

from .monitoring import MonitoringPlanItem
from .records import ProcedureRecord

__all__ = ["MonitoringPlanItem", "ProcedureRecord"]
