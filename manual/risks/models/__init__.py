from .obligations import ComplianceEvaluation, Obligation
from .register import Control, RiskEntry
from .scoring import ScoringMethod

__all__ = ["ComplianceEvaluation", "Control", "Obligation", "RiskEntry", "ScoringMethod"]
