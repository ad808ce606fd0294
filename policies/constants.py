"""Constants of the policies app."""

from ims.documents.choices import DocumentType
from ims.org.choices import RoleCode

#: The document types that carry a RACI row and the "exactly one Accountable" rule.
RACI_DOCUMENT_TYPES = (DocumentType.PROCEDURE, DocumentType.POLICY)
#: The roles that lead the IMS at a site.
LEADERSHIP_ROLES = (RoleCode.QUALITY_MANAGER, RoleCode.COMPLIANCE_OFFICER)
