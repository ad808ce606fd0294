from .item import FeedbackItem

__all__ = ["FeedbackItem"]
