from django.db import models
from django.utils.translation import gettext_lazy as _


class SectionSlot(models.TextChoices):
    """Where a section sits in the manual: the harmonized clauses 4–10, an introduction before, annexes after."""

    INTRODUCTION = "intro", _("Introduction")
    CONTEXT = "4", _("4 Context of the organization")
    LEADERSHIP = "5", _("5 Leadership")
    PLANNING = "6", _("6 Planning")
    SUPPORT = "7", _("7 Support")
    OPERATION = "8", _("8 Operation")
    PERFORMANCE = "9", _("9 Performance evaluation")
    IMPROVEMENT = "10", _("10 Improvement")
    ANNEX = "annex", _("Annex")


#: The order of the slots in the manual.
SLOT_ORDER = {slot.value: index for index, slot in enumerate(SectionSlot)}

#: The harmonized clauses every manual starts with, each a mandatory section.
CLAUSE_SLOTS = (
    SectionSlot.CONTEXT,
    SectionSlot.LEADERSHIP,
    SectionSlot.PLANNING,
    SectionSlot.SUPPORT,
    SectionSlot.OPERATION,
    SectionSlot.PERFORMANCE,
    SectionSlot.IMPROVEMENT,
)
