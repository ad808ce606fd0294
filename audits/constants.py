"""Constants of internal audits."""

#: The duty a signer qualification names for internal auditors (``training.SignerQualification.duty``).
INTERNAL_AUDIT_DUTY = "internal_audit"
#: Days before an audit when its lead auditor and auditees are reminded.
DEFAULT_REMINDER_DAYS = (14, 2)
#: How far ahead the beat task plans audits (days): the next quarter.
DEFAULT_HORIZON_DAYS = 92
#: The default question of a clause when no template names it.
DEFAULT_CLAUSE_QUESTION = "Show evidence that {clause} is met."
NOTICE_CATEGORY = "audits"
