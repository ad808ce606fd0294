"""Models of the evidence app: evidence packs (packs.py) and the inspection request board (requests.py)."""

from .packs import ChunkStatus, EvidencePack, PackChunk, PackStatus  # noqa: F401
from .requests import InspectionRequest, RequestStatus  # noqa: F401
