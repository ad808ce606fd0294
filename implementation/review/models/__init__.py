from .review import ManagementReview, ReviewAction, ReviewDecision, ReviewInputSnapshot, ReviewPack

__all__ = ["ManagementReview", "ReviewAction", "ReviewDecision", "ReviewInputSnapshot", "ReviewPack"]
