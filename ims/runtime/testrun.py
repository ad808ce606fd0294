"""Run the whole suite: pytest, where "no tests collected" (exit 5) is a failure.

Used by ``make test`` (and so by ``.ci/run``). Arguments are passed on to pytest.
"""

from __future__ import annotations

import os
import sys

import pytest

NO_TESTS_COLLECTED = 5


def main(argv: list[str]) -> int:
    # Every test connects as the runtime role, as production does; only creating the test database,
    # emptying it between transactional tests and dropping it run as the owner (ims/testing/database.py).
    os.environ.pop("IMS_DB_CONNECT_AS", None)
    code = pytest.main(argv)
    if code == NO_TESTS_COLLECTED:
        print("FAILED: no tests were collected", file=sys.stderr)
        return 1
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
