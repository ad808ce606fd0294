"""Models of the evidence app: inspection requests (requests.py) and evidence packs (packs.py)."""
