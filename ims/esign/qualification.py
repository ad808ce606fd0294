"""Who may sign what: checks apps add to the signing ceremony (Part 11 §11.10(i): signers are trained).

An app registers a check; it raises ``SignatureRefused`` when the signer may not give ``meaning`` to
``record``. The kernel runs every check before the credentials are checked, so a refusal records no
signature and does not count towards the signing lockout::

    @signer_check
    def trained_to_approve(*, signer, record, meaning) -> None: ...
"""

from __future__ import annotations

from collections.abc import Callable

Check = Callable[..., None]

_checks: list[Check] = []


def signer_check(func: Check) -> Check:
    if func not in _checks:
        _checks.append(func)
    return func


def run_signer_checks(*, signer, record, meaning: str) -> None:
    for check in _checks:
        check(signer=signer, record=record, meaning=meaning)
