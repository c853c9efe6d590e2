#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

# Without DEBUG the settings are production's and refuse to start unconfigured; a person
# trying the platform on their own machine only needs DEBUG=true (or make demo).
LOCAL_RUN_HINT = (
    "For a local run on this machine set DEBUG=true, e.g. `DEBUG=true python manage.py "
    "runserver`, or use `make demo` / `make serve`. A production server sets the variables "
    "in docs/operations.md."
)


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wenming.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        sys.exit(f"{error}\n{LOCAL_RUN_HINT}")


if __name__ == "__main__":
    main()
