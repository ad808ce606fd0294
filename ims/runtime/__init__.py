"""Local runtime: the embedded PostgreSQL and Redis servers and the process supervisor used by `make run`."""
