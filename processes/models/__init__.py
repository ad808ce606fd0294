"""Step 2 of the IMS: the standards library, the process register and its maps, gap assessments.

- ``library``: standards and regulations, their clauses and the mappings between clauses (company-wide).
- ``register``: the company's processes (SIPOC, owners, sites, interactions) and which clauses controlled
  documents address.
- ``maps``: the rendered view of each process-map version (sanitised SVG, steps table); the BPMN XML itself
  is the version's signed content in the document-control kernel.
- ``gaps``: gap assessments with a result per site and clause, and each site's statement of applicability.
"""

from .gaps import (
    ApplicabilityEntry,
    ApplicabilityStatement,
    AssessmentStatus,
    ClauseResult,
    GapAssessment,
    ResultStatus,
    StatementStatus,
)
from .library import Clause, ClauseMapping, MappingRelation, Standard, StandardKind
from .maps import DiagramSource, MapDiagram
from .register import DocumentClause, Process, ProcessInteraction, ProcessType

__all__ = [
    "ApplicabilityEntry",
    "ApplicabilityStatement",
    "AssessmentStatus",
    "Clause",
    "ClauseMapping",
    "ClauseResult",
    "DiagramSource",
    "DocumentClause",
    "GapAssessment",
    "MapDiagram",
    "MappingRelation",
    "Process",
    "ProcessInteraction",
    "ProcessType",
    "ResultStatus",
    "Standard",
    "StandardKind",
    "StatementStatus",
]
