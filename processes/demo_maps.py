"""Demo records of step 2: maps part (called by ``processes.demo``)."""


def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    return ""
