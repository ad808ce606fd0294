"""``make fuzz``: schemathesis over every operation of the OpenAPI schema, with a token per role.

Starts ``make run`` on an empty data directory and a spare port (the smoke's runner; the API throttle
raised for the run), creates API tokens for an employee, a quality manager and the Global Admin of the
demo, then runs schemathesis (pinned in requirements-dev.txt) with a fixed seed against each: every
check but the authentication probes, ``IMS_FUZZ_EXAMPLES`` (10) examples per operation. Prints the cases
and failures per role; exits non-zero on any server error or non-conformance (status code, response
schema, content type, headers). Only 127.0.0.1 is requested.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from .smoke import BASE_DIR, Run, SmokeFailure

ROLES = ("employee.cork", "qm.basel", "admin.global")
EXAMPLES = os.environ.get("IMS_FUZZ_EXAMPLES", "10")
SEED = os.environ.get("IMS_FUZZ_SEED", "1")
#: Probes of a schema-driven client that test authentication or "the API should accept anything the schema
#: allows" heuristics, not conformance; conformance checks all run.
EXCLUDED = "ignored_auth,positive_data_acceptance,negative_data_rejection,unsupported_method,missing_required_header"


def tokens(run: Run) -> dict[str, str]:
    code = (
        "from ims.access.services import api_token_create\n"
        "from ims.org.models import Person\n"
        f"for u in {ROLES!r}:\n"
        "    _t, secret = api_token_create(person=Person.objects.get(username=u), name='fuzz', read_only=False)\n"
        "    print('TOKEN', u, secret)\n"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "IMS_DATA_DIR": str(run.data_dir)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(re.findall(r"^TOKEN (\S+) (\S+)$", out, flags=re.M))


def main() -> int:
    os.environ["API_THROTTLE_USER"] = "100000000/hour"
    run = Run()
    results: dict[str, tuple[int, int, str]] = {}
    code = 0
    try:
        run.start()
        run.wait_healthy()
        secrets = tokens(run)
        schemathesis = os.path.join(os.path.dirname(sys.executable), "st")
        for role in ROLES:
            started = time.monotonic()
            out = subprocess.run(
                [
                    schemathesis,
                    "run",
                    f"{run.base}/api/schema/",
                    "-H",
                    f"Authorization: Bearer {secrets[role]}",
                    "--max-examples",
                    EXAMPLES,
                    "--seed",
                    SEED,
                    "--checks",
                    "all",
                    "--exclude-checks",
                    EXCLUDED,
                    "--phases",
                    "examples,fuzzing",
                    "--workers",
                    "1",
                    "--no-color",
                ],  # fmt: skip
                capture_output=True,
                text=True,
            )
            cases = re.search(r"(\d+) generated", out.stdout)
            failed = re.search(r"(\d+) found (\d+) unique failures", out.stdout)
            found = int(failed.group(2)) if failed else 0
            if out.returncode != 0 and not found:  # count the failed operations' headings ("___ GET /… ___")
                section = out.stdout[out.stdout.find("FAILURES") :] if "FAILURES" in out.stdout else ""
                section = section.split("WARNINGS", 1)[0]
                found = len(re.findall(r"^_{3,} \S+ \S+ _{3,}$", section, flags=re.M)) or 1
            results[role] = (int(cases.group(1)) if cases else 0, found, "")
            print(f"{role}: {results[role][0]} cases, {results[role][1]} failures ({time.monotonic() - started:.0f} s)")
            if out.returncode != 0:
                code = 1
                print(out.stdout[out.stdout.find("FAILURES") :][:8000])
    except (SmokeFailure, subprocess.CalledProcessError) as exc:
        print(f"FUZZ FAILED to start: {exc}\n{run.tail()}", file=sys.stderr)
        code = 1
    finally:
        if run.stop():
            run.kill_leftovers()
    total = sum(cases for cases, _f, _ in results.values())
    failures = sum(f for _c, f, _ in results.values())
    print(f"FUZZ: {total} cases over {len(results)} roles, {failures} failures")
    if total < 1500:
        print("fewer than 1,500 cases were generated", file=sys.stderr)
        code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
