"""Run the whole suite: pytest, where "no tests collected" (exit 5) is a failure.

Used by ``make test`` (and so by ``.ci/run``). Arguments are passed on to pytest.
"""

from __future__ import annotations

import os
import sys

import pytest

NO_TESTS_COLLECTED = 5


def main(argv: list[str]) -> int:
    # The test run creates its own database and tables, as the owner role does in production;
    # tests of the runtime role's limits connect as that role explicitly.
    os.environ.setdefault("IMS_DB_CONNECT_AS", "owner")
    code = pytest.main(argv)
    if code == NO_TESTS_COLLECTED:
        print("FAILED: no tests were collected", file=sys.stderr)
        return 1
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
