"""Placeholder: the org import API endpoint is being built."""

from rest_framework.views import APIView


class OrgImportApi(APIView):
    pass
