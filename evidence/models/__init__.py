from .requests import InspectionRequest  # noqa: F401
