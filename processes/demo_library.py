"""Demo records of step 2: library part (called by ``processes.demo``)."""


def seed() -> str:
    """Idempotent; returns a short summary of what was created."""
    return ""
