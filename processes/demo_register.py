"""Demo records of step 2: register part (called by ``processes.demo``)."""


def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    return ""
