"""Benchmarks (``make bench`` = ``python -m benchmarks``), run against a dedicated database.

Without ``DATABASE_URL`` the benchmark creates and migrates ``ims_bench`` on the embedded
PostgreSQL server and seeds the large scale organisation into it once (``seed_scale --size large``),
so the shared development database is never touched. ``IMS_BENCH_SIZE=small`` gives a quick run.
Results are printed and written to ``benchmarks/results/latest.txt``.
"""
