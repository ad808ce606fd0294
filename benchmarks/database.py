"""Point Django at the benchmark database (before ``django.setup()``), creating it on the embedded server."""

from __future__ import annotations

import os

BENCH_DATABASE = "ims_bench"


def use_bench_database() -> str:
    """Return the database URL the benchmark uses; ``DATABASE_URL`` wins when it is set."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from ims.runtime import embedded

    embedded.up()
    import psycopg2

    connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(embedded.run_dir()))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE])
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {BENCH_DATABASE}")
    connection.close()
    url = f"postgres://postgres@/{BENCH_DATABASE}?host={embedded.run_dir()}"
    os.environ["DATABASE_URL"] = url
    return url
