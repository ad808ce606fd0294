"""API of step 2: register."""


def routes(router) -> None:
    """Register this part's viewsets on the app's router."""
