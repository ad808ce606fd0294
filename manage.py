#!/usr/bin/env python
"""Django's command-line utility for the IMS Portal."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ims.settings")
    from django.core.management import execute_from_command_line

    from ims.audit.context import audit_context

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    channel = "shell" if command in {"shell", "dbshell"} else "command"
    with audit_context(replace=True, channel=channel, actor_label=f"{channel}:{command}"):
        execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
